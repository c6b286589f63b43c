//! A real PostgreSQL server for the tests: Debian's `postgresql` binaries (`initdb`, `pg_ctl`), a cluster
//! in a temporary folder, listening on a free 127.0.0.1 port, password authentication over TCP, run as the
//! unprivileged `postgres` user when the tests run as root, stopped when dropped. No mock.

#![allow(dead_code)]

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The password of the test cluster's `flywheel` user (what the tests must never see in a message).
pub const PASSWORD: &str = "pg-Secret-7f3a9c";

pub struct Pg {
    pub port: u16,
    dir: tempfile::TempDir,
    bin: PathBuf,
    run_as: Option<String>,
}

/// The newest installed server's binaries.
fn bin_dir() -> PathBuf {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|d| {
            d.filter_map(|e| e.ok())
                .filter_map(|e| Some((e.file_name().to_str()?.parse().ok()?, e.path().join("bin"))))
                .filter(|(_, p): &(u32, PathBuf)| p.join("pg_ctl").exists())
                .collect()
        })
        .unwrap_or_default();
    versions.sort();
    versions.pop().map(|(_, p)| p).unwrap_or_else(|| {
        panic!("PostgreSQL's server is not installed (/usr/lib/postgresql/*/bin/pg_ctl): `apt-get install postgresql` (scripts/test does)")
    })
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0").unwrap_or(false)
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}

impl Pg {
    /// Start a fresh cluster with a database `ops` and a user `flywheel` (password [`PASSWORD`]).
    pub fn start() -> Pg {
        Pg::start_at(None)
    }

    /// The same, listening on `port` when given (a server that comes up where a client already looks).
    pub fn start_at(port: Option<u16>) -> Pg {
        let bin = bin_dir();
        let dir = tempfile::tempdir().expect("tmp");
        let run_as = is_root().then(|| "postgres".to_string());
        if let Some(user) = &run_as {
            let ok = Command::new("chown").arg("-R").arg(format!("{user}:")).arg(dir.path()).status().expect("chown").success();
            assert!(ok, "chown the cluster's folder to {user}");
        }
        let pwfile = dir.path().join("pw");
        std::fs::write(&pwfile, PASSWORD).expect("pwfile");
        if let Some(user) = &run_as {
            Command::new("chown").arg(format!("{user}:")).arg(&pwfile).status().expect("chown");
        }
        let mut pg = Pg { port: 0, dir, bin, run_as };
        let data = pg.data();
        pg.run(
            "initdb",
            &[
                "-D",
                &data,
                "-U",
                "flywheel",
                "--pwfile",
                &pwfile.display().to_string(),
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
                "-E",
                "UTF8",
                "--no-sync",
            ],
        );
        for _ in 0..5 {
            pg.port = port.unwrap_or_else(free_port);
            if pg.try_start() {
                pg.psql("postgres", "CREATE DATABASE ops");
                return pg;
            }
        }
        panic!("PostgreSQL did not start: {}", std::fs::read_to_string(pg.dir.path().join("log")).unwrap_or_default());
    }

    fn try_start(&self) -> bool {
        let opts = format!("-p {} -h 127.0.0.1 -k {} -c fsync=off -c max_connections=120", self.port, self.dir.path().display());
        let log = self.dir.path().join("log").display().to_string();
        self.try_run("pg_ctl", &["-D", &self.data(), "-o", &opts, "-l", &log, "-w", "-t", "30", "start"])
    }

    /// Turn TLS on with a certificate signed by a fresh test CA, valid for the name `localhost` only;
    /// returns the CA's certificate file (for `sslrootcert`). Made with the `openssl` command.
    pub fn enable_tls(&self) -> PathBuf {
        let dir = self.dir.path().join("tls");
        std::fs::create_dir_all(&dir).expect("tls folder");
        let openssl = |args: &[&str]| {
            let out = Command::new("openssl").args(args).current_dir(&dir).output().expect("openssl");
            assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        };
        std::fs::write(dir.join("ca.cnf"), "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n").expect("write");
        std::fs::write(dir.join("server.cnf"), "subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n")
            .expect("write");
        openssl(&["req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.csr", "-subj", "/CN=Flywheel test CA"]);
        openssl(&["x509", "-req", "-in", "ca.csr", "-signkey", "ca.key", "-out", "ca.pem", "-days", "2", "-extfile", "ca.cnf"]);
        openssl(&["req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost"]);
        openssl(&[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "server.crt",
            "-days",
            "2",
            "-extfile",
            "server.cnf",
        ]);
        let data = PathBuf::from(self.data());
        for f in ["server.crt", "server.key"] {
            std::fs::copy(dir.join(f), data.join(f)).expect("copy into the data folder");
            if let Some(user) = &self.run_as {
                Command::new("chown").arg(format!("{user}:")).arg(data.join(f)).status().expect("chown");
            }
        }
        Command::new("chmod").arg("600").arg(data.join("server.key")).status().expect("chmod");
        self.psql("postgres", "ALTER SYSTEM SET ssl = on");
        self.psql("postgres", "SELECT pg_reload_conf()");
        std::thread::sleep(std::time::Duration::from_millis(500));
        dir.join("ca.pem")
    }

    /// Stop the server (fast shutdown: clients are disconnected).
    pub fn stop(&self) {
        self.run("pg_ctl", &["-D", &self.data(), "-m", "fast", "-w", "stop"]);
    }

    /// Start it again on the same port with the same data.
    pub fn restart(&self) {
        assert!(self.try_start(), "PostgreSQL did not start again");
    }

    fn data(&self) -> String {
        self.dir.path().join("data").display().to_string()
    }

    fn command(&self, tool: &str) -> Command {
        let exe = self.bin.join(tool);
        match &self.run_as {
            Some(user) => {
                let mut c = Command::new("runuser");
                c.arg("-u").arg(user).arg("--").arg(exe);
                c
            }
            None => Command::new(exe),
        }
    }

    fn try_run(&self, tool: &str, args: &[&str]) -> bool {
        let out = self.command(tool).args(args).current_dir(Path::new("/")).output().expect(tool);
        if !out.status.success() {
            eprintln!("{tool}: {}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        }
        out.status.success()
    }

    fn run(&self, tool: &str, args: &[&str]) {
        assert!(self.try_run(tool, args), "{tool} failed");
    }

    /// Run SQL as the cluster's owner over the local socket (no password).
    pub fn psql(&self, db: &str, sql: &str) -> String {
        let out = self
            .command("psql")
            .args(["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h"])
            .arg(self.dir.path())
            .args(["-p", &self.port.to_string(), "-U", "flywheel", "-d", db, "-c", sql])
            .current_dir("/")
            .output()
            .expect("psql");
        assert!(out.status.success(), "psql {sql}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// The address of database `ops` as user `flywheel` over TCP (no password in it).
    pub fn url(&self) -> String {
        format!("postgres://flywheel@127.0.0.1:{}/ops?sslmode=disable", self.port)
    }
}

impl Drop for Pg {
    fn drop(&mut self) {
        let data = self.data();
        let _ = self.command("pg_ctl").args(["-D", &data, "-m", "immediate", "-w", "stop"]).current_dir("/").output();
    }
}
