//! Runs the file named by `RACELAB_RUN` (a debugging aid; does nothing without it).

use racelab_lang::compiler::compile;
use racelab_lang::vm::RunOptions;

#[test]
fn run_file_from_env() {
    if std::env::var("RL_SMALL").is_ok() {
        std::env::remove_var("RL_SMALL");
        std::thread::Builder::new()
            .stack_size(1 << 20)
            .spawn(run_file_from_env)
            .expect("thread")
            .join()
            .expect("ok");
        return;
    }
    let Ok(path) = std::env::var("RACELAB_RUN") else {
        return;
    };
    let src = std::fs::read_to_string(&path).expect("readable file");
    match compile(&src, "prog.py") {
        Err(e) => print!("{}", e.render(&src, "prog.py")),
        Ok(p) => {
            if std::env::var("RACELAB_DIS").is_ok() {
                println!("{}", p.disassemble());
            }
            let r = p.run(&RunOptions {
                max_steps: Some(2_000_000_000),
                ..RunOptions::default()
            });
            print!("{}", r.stdout());
            eprint!("{}", r.stderr());
            if let Some(s) = r.stopped {
                eprintln!("stopped: {s}");
            }
            for c in r.checks {
                eprintln!("check failed: {} line {}", c.name, c.line);
            }
        }
    }
}
