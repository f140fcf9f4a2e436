pub fn cmd() -> crate::Result {
    Err("bench: not yet".into())
}
