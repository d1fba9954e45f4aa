//! For scripts/bench/buildinfo.sh: `install-fake-tools GOROOT DIR` writes the fake tool
//! proxy into DIR/proxy and `go install`s every fake tool into DIR/bin/<version>/, printing
//! the installed paths.
use gomedic_testkit::gotools::{go_install, write_tool_proxy, FAKE_TOOLS};
use std::path::PathBuf;

fn main() {
    let a: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    let [goroot, dir] = &a[..] else {
        eprintln!("usage: install-fake-tools GOROOT DIR");
        std::process::exit(2);
    };
    let proxy = dir.join("proxy");
    write_tool_proxy(&proxy).expect("write proxy");
    for t in FAKE_TOOLS {
        let bin = dir.join("bin").join(t.version);
        match go_install(goroot, &proxy, &t.target(), &bin, &[]) {
            Ok(p) => println!("{}", p.display()),
            Err(e) => {
                eprintln!("{e}");
                std::process::exit(1);
            }
        }
    }
}
