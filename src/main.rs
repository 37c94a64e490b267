//! The `iisweep` binary: parse the command line, run, exit.

fn main() {
    // Die quietly on a closed pipe (`iisweep scan ... | head`).
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let cli = <iisweep::cli::Cli as clap::Parser>::parse();
    std::process::exit(iisweep::cli::main_with(cli));
}
