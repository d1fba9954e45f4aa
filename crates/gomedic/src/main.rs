fn main() -> std::process::ExitCode {
    gomedic::main()
}
