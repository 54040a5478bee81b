use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = plenary::cli::Cli::parse();
    let settings = match plenary::config::Settings::load() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("plenary: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    plenary::cli::init_tracing(settings.log_format);
    match plenary::cli::run(cli, settings) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("plenary: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
