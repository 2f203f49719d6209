//! The binary's tests in one binary: the command line, and the tidy checks of the workspace's layout.

mod cli;
mod tidy;
