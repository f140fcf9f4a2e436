//! racelab's language: a real subset of Python 3 (see PROGRAMS.md in the project docs),
//! compiled to a compact bytecode and run by racelab's own VM. It knows nothing of the web.
//!
//! Pipeline: [`lexer`] (indentation-aware tokens) -> [`parser`] (hand-written recursive
//! descent, producing the [`ast`]) -> [`compiler`] (names resolved to slots, a compact
//! [`bytecode`]) -> [`vm`] (frames on the heap, values ready to be shared between threads).
//! [`run`] turns a program's config into a run and its [`racelab::Report`] (the faces'
//! entry); [`explore`] tries every way a program's threads can take turns. [`num`] and [`format`] hold Python's numeric and formatting semantics as pure functions.
//! Every stage reports problems as an [`error::CompileError`] naming the line and column, or
//! as a Python exception with CPython's traceback text; nothing panics.
//!
//! ```
//! use racelab_lang::{compile, vm::RunOptions};
//! let program = compile("total = sum(i * i for i in range(4))\nprint(f'{total:,}')\n", "prog.py")?;
//! let result = program.run(&RunOptions::default());
//! assert_eq!(result.stdout(), "14\n");
//! # Ok::<(), racelab_lang::error::CompileError>(())
//! ```

pub mod ast;
pub mod bytecode;
pub mod compiler;
pub mod constants;
pub mod error;
pub mod explore;
pub mod format;
pub mod lexer;
pub mod math;
pub mod num;
pub mod parser;
pub mod run;
pub mod vm;

pub use compiler::compile;
