//! The `iisweep` binary: set up the standard streams, parse the command
//! line, run, exit.

fn main() {
    iisweep::platform::default_sigpipe();
    let cli = <iisweep::cli::Cli as clap::Parser>::parse();
    std::process::exit(iisweep::cli::main_with(cli));
}
