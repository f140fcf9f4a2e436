//! racelab-web
