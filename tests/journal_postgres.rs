//! The shared journal against a real PostgreSQL server started by the test: the same operations give the
//! same answers as the SQLite journal, workspaces share a database apart, a newer schema is refused
//! untouched, a server that is down or a wrong password is a clear error without the password, and
//! concurrent writers lose nothing.

mod common;

use common::pg::{Pg, PASSWORD};
use flywheel::config::agenda::default_agenda;
use flywheel::config::{Metric, Worse};
use flywheel::finding::{Finding, Kind};
use flywheel::journal::actions::{Draft, Filter, Status};
use flywheel::journal::annotations::Annotation;
use flywheel::journal::coes::{CoeEdit, CoeStatus, NewCoe};
use flywheel::journal::meetings::Mark as MeetingMark;
use flywheel::journal::spins::Outcome;
use flywheel::journal::store::postgres::{schema_name, Target};
use flywheel::journal::verdicts::{Mark, Reason, Scope, Verdict};
use flywheel::journal::{Journal, JournalError, SCHEMA_VERSION};
use flywheel::wheel::Wheel;

/// The variable the tests name in `password_env`.
const PW_ENV: &str = "FLYWHEEL_TEST_PG_PASSWORD";

fn target(pg: &Pg, workspace: &str) -> Target {
    std::env::set_var(PW_ENV, PASSWORD);
    Target { url: pg.url(), workspace: workspace.into(), password_env: Some(PW_ENV.into()) }
}

fn finding(metric: &str, kind: Kind, start: i64, severity: f64) -> Finding {
    let m = Metric::new(metric, "Payments", "api", Worse::Higher, std::path::Path::new("x.csv"), metric);
    Finding::new(kind, &m, start, start + 600, severity, format!("{metric} <b>moved</b>"))
}

/// Every kind of write and read the app and the CLI make, as a transcript of what came back.
fn exercise(j: &mut Journal) -> Vec<String> {
    let mut out = Vec::new();
    let d = |title: &str, owner: &str, due: Option<&str>| Draft {
        title: title.into(),
        owner: owner.into(),
        due: due.map(str::to_string),
        week: "2026-11-09".into(),
        team: "Payments".into(),
        range: Some((1_000, 2_000)),
        ..Default::default()
    };
    let a = j.add_action(&d("raise the retry budget", "ana", Some("2026-11-01")), 100).expect("add");
    let b = j.add_action(&d("=HYPERLINK(\"x\") ünïcødé 'quoted'", "bo", None), 101).expect("add");
    j.add_action(&d("check the alarm line", "ana", Some("2026-12-24")), 102).expect("add");
    out.push(format!("{:?}", j.edit_action(b.id, &Draft { details: "more".into(), ..d("renamed", "cy", Some("2026-11-30")) }, 103)));
    out.push(format!("{:?}", j.set_action_status(a.id, Status::Done, 104)));
    out.push(format!("{:?}", j.set_action_status(999, Status::Done, 105).map_err(|e| e.to_string())));
    out.push(format!("{:?}", j.actions(&Filter::default())));
    out.push(format!("{:?}", j.actions(&Filter { live: true, overdue_on: Some("2026-12-01".into()), ..Default::default() })));
    out.push(format!("{:?}", j.action(b.id)));
    out.push(format!("{:?} {:?}", j.action_trail(a.id), j.action_trail(b.id)));

    let note = |m: &str, s, e, text: &str, maintenance| Annotation {
        id: 0,
        metric: m.into(),
        start: s,
        end: e,
        note: text.into(),
        finding: String::new(),
        author: "ana".into(),
        created_at: 0,
        maintenance,
    };
    out.push(format!("{:?}", j.add_annotation(&note("api.p99", 100, 200, "deploy <script>x</script>", false), 110)));
    out.push(format!("{:?}", j.add_annotation(&note("api.errors", 300, 400, "failover", true), 111)));
    out.push(format!("{:?}", j.annotations(150, 350)));

    let mut w = Wheel::new(&["Payments", "Search", "Storage"]);
    w.confirm("Search").expect("confirm");
    let odds = vec![("Payments".to_string(), 0.5), ("Search".to_string(), 1.0 / 3.0), ("Storage".to_string(), 1.0 / 6.0)];
    out.push(format!("{:?}", j.record_spin(120, "Search", Outcome::Presented, &odds, &["Storage".into()], Some(&w))));
    out.push(format!("{:?}", j.record_spin(121, "Payments", Outcome::Suggested, &odds, &[], None)));
    out.push(format!("{:?} {:?} {:?}", j.wheel(), j.spins(10), j.presented()));
    j.save_wheel(&Wheel::new(&["Payments", "Search"]), 122).expect("save");
    out.push(format!("{:?}", j.wheel()));

    let f1 = finding("api.p99", Kind::SeasonalAnomaly, 1_000, 61.4);
    let f2 = finding("api.errors", Kind::AlarmBreach, 2_000, 88.0);
    j.record_week("2026-11-02", std::slice::from_ref(&f1), 130).expect("week");
    j.record_week("2026-11-09", &[f1.clone(), f2.clone()], 131).expect("week");
    j.record_week("2026-11-09", std::slice::from_ref(&f2), 132).expect("again");
    j.record_week("2026-11-16", &[], 133).expect("quiet");
    out.push(format!("{:?}", j.weeks_before("2026-11-23", 6)));
    out.push(format!("{:?}", j.weeks_through("2026-11-09", 1)));
    out.push(format!("{:?}", j.recorded(&f1.id())));
    let mark = Mark {
        verdict: Verdict::Expected,
        reason: Some(Reason::Deploy),
        note: "v2.3".into(),
        scope: Some(Scope::Weeks(2)),
        author: "ana".into(),
    };
    out.push(format!("{:?}", j.mark(&f2.id(), &mark, 140)));
    out.push(format!(
        "{:?}",
        j.mark(&f2.id(), &Mark { verdict: Verdict::Noise, reason: None, note: String::new(), scope: None, author: "bo".into() }, 141)
    ));
    out.push(format!("{:?}", j.mark("nope", &mark, 142).map_err(|e| e.to_string())));
    out.push(format!("{:?} {:?}", j.verdicts(None), j.verdicts(Some("api.p99"))));

    let m = j.start_meeting("2026-11-09", &default_agenda(), "ana", 150).expect("start");
    j.meeting_segment(m.id, 1, 160).expect("segment");
    j.meeting_people(m.id, &["Storage".into()], "Search").expect("people");
    j.meeting_mark(m.id, &f2.id(), "api.errors", "errors", MeetingMark::Discussed, Some("retry storm"), 170).expect("mark");
    j.meeting_mark(m.id, &f1.id(), "api.p99", "p99", MeetingMark::Skipped, None, 170).expect("mark");
    j.meeting_mark(m.id, &f1.id(), "api.p99", "p99", MeetingMark::Noted, Some("later"), 171).expect("note");
    out.push(format!("{:?}", j.start_meeting("2026-11-09", &default_agenda(), "bo", 175).map(|m| m.id)));
    out.push(format!("{:?}", j.end_meeting(m.id, 180)));
    out.push(format!("{:?}", j.meetings(None)));
    out.push(format!("{:?}", j.meeting_segment(m.id, 2, 190).map_err(|e| e.to_string())));

    let draft = NewCoe {
        week: "2026-11-09".into(),
        title: "COE: api errors 'quoted' — ünïcode".into(),
        origin: format!("finding:{}", f2.id()),
        metric: "api.errors".into(),
        start: 100,
        end: 200,
        body: "# COE\n\n## Five whys\n1. Why?\n".into(),
    };
    let coe = j.create_coe(&draft, 200).expect("coe").coe;
    // The same origin in the same week gives the COE already started, in either store.
    let again = j.create_coe(&draft, 205).expect("again");
    out.push(format!("{} {}", again.new, again.coe.id == coe.id));
    let edit = CoeEdit {
        title: coe.title.clone(),
        body: coe.body.clone() + "   - Because of a retry storm\n",
        status: CoeStatus::InReview,
        revision: Some(1),
    };
    out.push(format!("{:?}", j.save_coe(coe.id, &edit, 210)));
    out.push(format!("{:?}", j.save_coe(coe.id, &edit, 220).map_err(|e| e.to_string())));
    out.push(format!("{:?} {:?}", j.coes(Some("2026-11-09")), j.coes(None)));
    let s = j.status().expect("status");
    out.push(format!("{:?} {:?}", s.schema, s.counts));
    out
}

#[test]
fn the_shared_journal_answers_exactly_as_the_local_one() {
    let pg = Pg::start();
    let dir = tempfile::tempdir().expect("tmp");
    let mut local = Journal::open(&dir.path().join("j.sqlite")).expect("sqlite");
    let mut shared = Journal::connect(&target(&pg, "Ops review")).expect("postgres");
    assert_eq!((local.store(), shared.store()), ("SQLite", "PostgreSQL"));
    let want = exercise(&mut local);
    let got = exercise(&mut shared);
    assert_eq!(got.len(), want.len());
    for (i, (g, w)) in got.iter().zip(&want).enumerate() {
        assert_eq!(g, w, "step {i} differs between PostgreSQL and SQLite");
    }
    // What was written is on the server, for every other copy of Flywheel.
    let schema = schema_name("Ops review");
    assert_eq!(pg.psql("ops", &format!("SELECT count(*) FROM {schema}.action_items")), "3");
    assert_eq!(pg.psql("ops", &format!("SELECT version FROM {schema}.flywheel_schema")), SCHEMA_VERSION.to_string());
    let other = Journal::connect(&target(&pg, "Ops review")).expect("a second copy");
    assert_eq!(other.actions(&Filter::default()).expect("list").len(), 3);
    let status = other.status().expect("status");
    assert!(status.location.contains(&format!("postgres://flywheel@127.0.0.1:{}/ops", pg.port)), "{}", status.location);
    assert!(status.location.contains("Ops review") && !status.location.contains(PASSWORD), "{}", status.location);
}

#[test]
fn workspaces_share_one_database_apart_and_a_newer_schema_is_left_untouched() {
    let pg = Pg::start();
    let mut a = Journal::connect(&target(&pg, "payments")).expect("a");
    let b = Journal::connect(&target(&pg, "search")).expect("b");
    a.add_action(&Draft { title: "only in payments".into(), week: "2026-11-09".into(), ..Default::default() }, 1).expect("add");
    assert_eq!(a.actions(&Filter::default()).expect("a").len(), 1);
    assert!(b.actions(&Filter::default()).expect("b").is_empty(), "another workspace's items leaked in");
    drop(a);

    let schema = schema_name("payments");
    pg.psql("ops", &format!("UPDATE {schema}.flywheel_schema SET version = {}", SCHEMA_VERSION + 1));
    let tables = |pg: &Pg| {
        pg.psql(
            "ops",
            &format!(
                "SELECT string_agg(table_name, ',' ORDER BY table_name) FROM information_schema.tables WHERE table_schema = '{schema}'"
            ),
        )
    };
    let before = tables(&pg);
    let err = Journal::connect(&target(&pg, "payments")).err().expect("refused");
    assert!(matches!(err, JournalError::TooNew { found, .. } if found == SCHEMA_VERSION + 1), "{err}");
    assert!(err.to_string().contains("newer Flywheel"), "{err}");
    assert_eq!(tables(&pg), before);
    assert_eq!(pg.psql("ops", &format!("SELECT version FROM {schema}.flywheel_schema")), (SCHEMA_VERSION + 1).to_string());
    assert_eq!(pg.psql("ops", &format!("SELECT title FROM {schema}.action_items")), "only in payments");
}

#[test]
fn a_server_down_or_a_wrong_password_is_a_clear_error_without_the_password() {
    let pg = Pg::start();
    // Nothing listens on this port.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("port").port();
    let down = Target { url: format!("postgres://flywheel@127.0.0.1:{closed}/ops"), ..target(&pg, "ops") };
    let t0 = std::time::Instant::now();
    let e = Journal::connect(&down).err().expect("down").to_string();
    assert!(t0.elapsed() < std::time::Duration::from_secs(8), "took {:?}", t0.elapsed());
    assert!(e.contains(&format!("postgres://flywheel@127.0.0.1:{closed}/ops")) && e.contains("cannot connect"), "{e}");
    assert!(!e.contains(PASSWORD), "{e}");

    std::env::set_var("FLYWHEEL_TEST_PG_WRONG", "not-the-password");
    let wrong = Target { password_env: Some("FLYWHEEL_TEST_PG_WRONG".into()), ..target(&pg, "ops") };
    let e = Journal::connect(&wrong).err().expect("wrong password").to_string();
    assert!(e.contains("password authentication failed"), "{e}");
    assert!(!e.contains("not-the-password") && !e.contains(PASSWORD), "{e}");

    let unset = Target { password_env: Some("FLYWHEEL_TEST_PG_UNSET".into()), ..target(&pg, "ops") };
    let e = Journal::connect(&unset).err().expect("unset").to_string();
    assert!(e.contains("FLYWHEEL_TEST_PG_UNSET") && e.contains("not set"), "{e}");

    let inline = Target { url: format!("postgres://flywheel:{PASSWORD}@127.0.0.1:{}/ops", pg.port), ..target(&pg, "ops") };
    let e = Journal::connect(&inline).err().expect("a password in the url").to_string();
    assert!(e.contains("holds a password") && !e.contains(PASSWORD), "{e}");
}

#[test]
fn concurrent_writers_lose_nothing() {
    let pg = Pg::start();
    Journal::connect(&target(&pg, "meeting")).expect("create");
    let writers = 12;
    let each = 20;
    std::thread::scope(|s| {
        for w in 0..writers {
            let t = target(&pg, "meeting");
            s.spawn(move || {
                let mut j = Journal::connect(&t).expect("connect");
                for i in 0..each {
                    let d = Draft { title: format!("writer {w} item {i}"), week: "2026-11-09".into(), ..Default::default() };
                    j.add_action(&d, 1_000 + i).expect("add");
                    j.record_spin(2_000 + i, "Payments", Outcome::Suggested, &[], &[], None).expect("spin");
                }
            });
        }
    });
    let j = Journal::connect(&target(&pg, "meeting")).expect("read");
    let items = j.actions(&Filter::default()).expect("list");
    assert_eq!(items.len(), writers * each as usize);
    let mut titles: Vec<&str> = items.iter().map(|i| i.title.as_str()).collect();
    titles.sort();
    titles.dedup();
    assert_eq!(titles.len(), writers * each as usize, "every item once");
    assert_eq!(j.spins(10_000).expect("spins").len(), writers * each as usize);
}

#[test]
fn a_local_journal_copied_in_reads_back_the_same_and_twice_adds_nothing() {
    let pg = Pg::start();
    let dir = tempfile::tempdir().expect("tmp");
    let mut local = Journal::open(&dir.path().join("j.sqlite")).expect("sqlite");
    exercise(&mut local);
    let shared = Journal::connect(&target(&pg, "moved")).expect("postgres");
    let first = local.copy_to(&shared).expect("copy");
    assert!(first.iter().all(|c| c.updated == 0 && c.unchanged == 0), "{first:?}");
    let second = local.copy_to(&shared).expect("copy again");
    assert!(second.iter().all(|c| c.added == 0 && c.updated == 0), "{second:?}");
    let reads = |j: &Journal| {
        vec![
            format!("{:?}", j.actions(&Filter::default())),
            format!("{:?}", (1..=3).map(|id| j.action_trail(id)).collect::<Vec<_>>()),
            format!("{:?}", j.annotations(0, i64::MAX)),
            format!("{:?} {:?}", j.wheel(), j.spins(100)),
            format!("{:?}", j.weeks_through("2026-12-31", 10)),
            format!("{:?}", j.verdicts(None)),
            format!("{:?}", j.meetings(None)),
            format!("{:?}", j.coes(None)),
            format!("{:?}", j.status().map(|s| s.counts)),
        ]
    };
    assert_eq!(reads(&shared), reads(&local));
}

#[test]
fn racing_hosts_and_editors_on_the_shared_journal_get_one_winner_each() {
    let pg = Pg::start();
    let mut setup = Journal::connect(&target(&pg, "race")).expect("create");
    let wheel = Wheel::new(&["Payments", "Search", "Storage", "Billing"]);
    setup.save_wheel(&wheel, 1).expect("save");
    let (_, base) = setup.wheel_at().expect("wheel");
    let item = setup.add_action(&Draft { title: "one item".into(), week: "2026-11-09".into(), ..Default::default() }, 1).expect("add");
    let hosts = 8;
    let results: Vec<(Result<i64, String>, Result<i64, String>)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..hosts)
            .map(|h| {
                let t = target(&pg, "race");
                let wheel = wheel.clone();
                s.spawn(move || {
                    let mut j = Journal::connect(&t).expect("connect");
                    j.author = format!("host {h}");
                    let winner = ["Payments", "Search", "Storage", "Billing"][h % 4];
                    let mut next = wheel.clone();
                    next.confirm(winner).expect("confirm");
                    let spin = j.confirm_spin(100, winner, &[], &[], &next, base).map_err(|e| e.to_string());
                    let d = Draft {
                        title: format!("edit by {h}"),
                        revision: Some(item.revision),
                        week: "2026-11-09".into(),
                        ..Default::default()
                    };
                    let edit = j.edit_action(item.id, &d, 100).map(|i| i.revision).map_err(|e| e.to_string());
                    (spin, edit)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("thread")).collect()
    });
    let spins_won = results.iter().filter(|(s, _)| s.is_ok()).count();
    let edits_won = results.iter().filter(|(_, e)| e.is_ok()).count();
    assert_eq!((spins_won, edits_won), (1, 1), "{results:?}");
    for (s, e) in &results {
        if let Err(m) = s {
            assert!(m.starts_with("the wheel changed since you spun (") && m.ends_with("presented): spin again"), "{m}");
        }
        if let Err(m) = e {
            assert!(m.contains("was changed by host ") && m.contains("nothing was saved"), "{m}");
        }
    }
    let j = Journal::connect(&target(&pg, "race")).expect("read");
    let presented = j.presented().expect("spins");
    assert_eq!(presented.len(), 1, "one confirmation recorded");
    let mut once = wheel.clone();
    once.confirm(&presented[0]).expect("confirm");
    assert_eq!(j.wheel().expect("wheel"), Some(once), "the weights are exactly one confirmation's");
    let stored = j.action(item.id).expect("read").expect("there");
    assert_eq!(stored.revision, 2);
    assert_eq!(stored.title, format!("edit by {}", stored.updated_by.trim_start_matches("host ")));
}

#[test]
fn a_server_restart_mid_session_fails_visibly_and_recovers_by_itself() {
    let pg = Pg::start();
    let mut j = Journal::connect(&target(&pg, "restart")).expect("connect");
    let d = |t: &str| Draft { title: t.into(), week: "2026-11-09".into(), ..Default::default() };
    j.add_action(&d("before"), 1).expect("add");
    pg.stop();
    let e = j.add_action(&d("while down"), 2).expect_err("a write while the server is down fails").to_string();
    assert!(e.contains(&format!("postgres://flywheel@127.0.0.1:{}/ops", pg.port)), "{e}");
    assert!(!e.contains(PASSWORD), "{e}");
    assert!(j.actions(&Filter::default()).is_err(), "reads fail too, visibly");
    pg.restart();
    // The same journal object works again: the connection is made anew.
    j.add_action(&d("after"), 3).expect("add after the restart");
    let titles: Vec<String> = j.actions(&Filter::default()).expect("list").into_iter().map(|i| i.title).collect();
    assert_eq!(titles, vec!["before", "after"], "nothing silently written or dropped");
    assert!(j.is_alive());
}

#[test]
fn two_hosts_confirming_at_once_200_times_one_wins_each_time() {
    let pg = Pg::start();
    let teams = ["Payments", "Search", "Storage", "Billing", "Identity"];
    let mut setup = Journal::connect(&target(&pg, "wheel")).expect("create");
    setup.save_wheel(&Wheel::new(&teams), 1).expect("save");
    let t = target(&pg, "wheel");
    let mut a = Journal::connect(&t).expect("a");
    let mut b = Journal::connect(&t).expect("b");
    let barrier = std::sync::Barrier::new(2);
    for round in 0..200 {
        let (wheel, base) = setup.wheel_at().expect("read");
        let wheel = wheel.expect("saved");
        let go = |j: &mut Journal, winner: &str| {
            let mut next = wheel.clone();
            next.confirm(winner).expect("confirm");
            barrier.wait();
            j.confirm_spin(round, winner, &[], &[], &next, base).is_ok()
        };
        let (wa, wb) = (teams[round as usize % 5], teams[(round as usize + 2) % 5]);
        let (ja, jb) = (&mut a, &mut b);
        let (ra, rb) = std::thread::scope(|s| {
            let ha = s.spawn(|| go(ja, wa));
            let hb = s.spawn(|| go(jb, wb));
            (ha.join().expect("a"), hb.join().expect("b"))
        });
        assert!(ra ^ rb, "round {round}: exactly one confirmation wins (a {ra}, b {rb})");
        let after = setup.wheel().expect("read").expect("saved");
        let sum: f64 = after.participants.iter().map(|p| p.weight).sum();
        assert!((sum - teams.len() as f64).abs() < 1e-9, "round {round}: Σweight = {sum}");
    }
    assert_eq!(setup.presented().expect("spins").len(), 200, "one confirmation per round");
}

#[test]
fn tls_verifies_the_servers_certificate_and_name() {
    let pg = Pg::start();
    let ca = pg.enable_tls();
    let ca = ca.display();
    let port = pg.port;
    let verified =
        Target { url: format!("postgres://flywheel@localhost:{port}/ops?sslmode=verify-full&sslrootcert={ca}"), ..target(&pg, "tls") };
    let mut j = Journal::connect(&verified).expect("a certificate from the given CA, for the name used");
    j.add_action(&Draft { title: "over TLS".into(), week: "2026-11-09".into(), ..Default::default() }, 1).expect("write");
    let encrypted = pg.psql(
        "postgres",
        "SELECT count(*) FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) WHERE s.ssl AND a.application_name = 'flywheel'",
    );
    assert_eq!(encrypted, "1", "the journal's connection is encrypted");
    drop(j);

    // `require` verifies too; a name the certificate does not hold, or a CA that did not sign it, is refused.
    let by_ip = Target { url: format!("postgres://flywheel@127.0.0.1:{port}/ops?sslmode=require&sslrootcert={ca}"), ..target(&pg, "tls") };
    let e = Journal::connect(&by_ip).err().expect("not valid for 127.0.0.1").to_string();
    assert!(e.contains("cannot connect") && e.to_lowercase().contains("certificate"), "{e}");
    let system_roots = Target { url: format!("postgres://flywheel@localhost:{port}/ops?sslmode=verify-full"), ..target(&pg, "tls") };
    let e = Journal::connect(&system_roots).err().expect("the test CA is not a system root").to_string();
    assert!(e.to_lowercase().contains("certificate") && !e.contains(PASSWORD), "{e}");
}
