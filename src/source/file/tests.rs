//! Reading metric files: separators, timestamp forms, local time, bad files.

use super::*;
use std::io::Write;

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    let mut f = std::fs::File::create(&p).expect("create");
    f.write_all(text.as_bytes()).expect("write");
    p
}

#[test]
fn a_spreadsheets_semicolon_export_is_read_with_its_decimal_commas() {
    let dir = tempfile::tempdir().expect("tmp");
    let tz: Tz = "Europe/Berlin".parse().expect("tz");
    // The values of the file's one series, or the error's line and message.
    type Want = Result<Vec<f64>, (usize, &'static str)>;
    let cases: [(&str, &str, Want); 7] = [
        ("semi.csv", "Zeit;Wert\n2026-11-09 00:00;12,5\n2026-11-09 00:05;-0,25\n2026-11-09 00:10;3\n", Ok(vec![12.5, -0.25, 3.0])),
        (
            "points.csv",
            "time;value\n2026-11-09 00:00;1.5\n2026-11-09 00:05;;\n",
            Err((3, "3 fields where the first line `time;value` has 2")),
        ),
        ("mixed.csv", "time;value\n2026-11-09 00:00;1.5\n2026-11-09 00:05;2,5\n2026-11-09 00:10;\n", Ok(vec![1.5, 2.5, f64::NAN])),
        ("noheader.csv", "2026-11-09 00:00;7,5\n2026-11-09 00:05;8\n", Ok(vec![7.5, 8.0])),
        ("tabs.txt", "time\tvalue\n2026-11-09 00:00\t4.5\n", Ok(vec![4.5])),
        // A comma-separated file never reads a comma as a decimal mark; a quoted `1,5` is not a number there.
        ("comma.csv", "time,value\n2026-11-09 00:00,\"1,5\"\n", Err((2, "value `1,5` is not a number"))),
        // A thousands point with a decimal comma is not guessed at.
        ("thousands.csv", "time;value\n2026-11-09 00:00;1.234,5\n", Err((2, "value `1.234,5` is not a number"))),
    ];
    for (name, text, want) in cases {
        let p = write(dir.path(), name, text);
        let got = read_file(&p, &tz).map(|d| d.series.into_values().next().expect("one series").values);
        match (got, want) {
            (Ok(v), Ok(w)) => {
                assert_eq!(v.iter().map(|x| x.to_bits()).collect::<Vec<_>>(), w.iter().map(|x| x.to_bits()).collect::<Vec<_>>(), "{name}")
            }
            (Err(e), Err((line, message))) => {
                assert_eq!((e.line, e.message.as_str()), (Some(line), message), "{name}");
            }
            (got, want) => panic!("{name}: got {got:?}, want {want:?}"),
        }
    }
}

#[test]
fn a_spreadsheets_local_dates_are_read_day_or_month_first_as_the_column_says() {
    let dir = tempfile::tempdir().expect("tmp");
    let tz: Tz = "Europe/Berlin".parse().expect("tz");
    // 2026-11-13 00:00 and 00:05 in Berlin (UTC+1).
    let (a, b) = (1_794_524_400.0, 1_794_524_700.0);
    // The first two times of the file's one series, or the error's line and the start of its message.
    type Want = Result<[f64; 2], (usize, &'static str)>;
    let cases: [(&str, &str, Want); 8] = [
        ("german.csv", "Zeit;Wert\n13.11.2026 00:00;12,5\n13.11.2026 00:05;3\n", Ok([a, b])),
        ("seconds.csv", "Zeit;Wert\n13.11.2026 00:00:00;12,5\n13.11.2026 00:05:00;3\n", Ok([a, b])),
        ("dates.csv", "Tag;Wert\n13.11.2026;1\n14.11.2026;2\n", Ok([a, a + 86_400.0])),
        // Slashed dates: the column's first day past the 12th says which comes first, for every row.
        ("uk.csv", "time,value\n12/11/2026 23:55,1\n13/11/2026 00:00,2\n", Ok([a - 300.0, a])),
        ("us.csv", "time,value\n11/12/2026 11:55 PM,1\n11/13/2026 12:00 AM,2\n", Ok([a - 300.0, a])),
        ("us-noheader.csv", "11/12/2026 23:55,1\n11/13/2026 0:00,2\n", Ok([a - 300.0, a])),
        (
            "undecided.csv",
            "time,value\n11/12/2026 23:55,1\n12/11/2026 00:00,2\n",
            Err((2, "`11/12/2026 23:55` could be day/month or month/day")),
        ),
        (
            "mixed.csv",
            "time,value\n13/11/2026 00:00,1\n11/14/2026 00:00,2\n",
            Err((3, "`11/14/2026 00:00` puts the month first, but an earlier date of its column put the day first")),
        ),
    ];
    for (name, text, want) in cases {
        let p = write(dir.path(), name, text);
        let got = read_file(&p, &tz).map(|d| d.series.into_values().next().expect("one series").times);
        match (got, want) {
            (Ok(t), Ok(w)) => assert_eq!(t[..2], w[..], "{name}"),
            (Err(e), Err((line, message))) => {
                assert_eq!(e.line, Some(line), "{name}: {e}");
                assert!(e.message.contains(message), "{name}: {}", e.message);
            }
            (got, want) => panic!("{name}: got {got:?}, want {want:?}"),
        }
    }
}

#[test]
fn long_and_bare_csv_in_every_timestamp_form() {
    let dir = tempfile::tempdir().expect("tmp");
    let tz: Tz = "Europe/Berlin".parse().expect("tz");
    let cases = [
        ("long.csv", "timestamp,series,value,instance\n2026-11-09T00:00:00Z,a,1,i1\n2026-11-09T00:05:00Z,a,2,i1\n2026-11-09T00:00:00Z,a,3,i2\n2026-11-09T00:00:00Z,b,NaN,\n", 3usize, 4usize),
        ("bare.csv", "time,value\n1762646400,1\n1762646700,\n1762647000,inf\n", 1, 3),
        ("bare_ms.csv", "ts,v\n1762646400000,1.5\n1762646700000,2\n", 1, 2),
        ("noheader.csv", "2026-11-09 01:00,1\n2026-11-09 01:05,2\n", 1, 2),
        ("unsorted.csv", "timestamp,value\n2026-11-09T00:10:00+01:00,3\n2026-11-09T00:00:00+01:00,1\n", 1, 2),
        // Cells padded with spaces name the same series; a series coming back after another is one series.
        ("padded.csv", "timestamp,series,value\n2026-11-09T00:00:00Z,a,1\n2026-11-09T00:05:00Z, a ,2\n2026-11-09T00:10:00Z, a ,3\n2026-11-09T00:15:00Z,b,4\n2026-11-09T00:20:00Z,a ,5\n", 2, 5),
    ];
    for (name, text, n_series, n_rows) in cases {
        let p = write(dir.path(), name, text);
        let d = read_file(&p, &tz).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(d.series.len(), n_series, "{name}");
        assert_eq!(d.rows, n_rows, "{name}");
    }
    let padded = read_file(&dir.path().join("padded.csv"), &tz).expect("padded");
    assert_eq!(padded.series[&("a".to_string(), None)].values, [1.0, 2.0, 3.0, 5.0]);
    let p = write(dir.path(), "x.csv", "2026-11-09 01:00,1\n");
    let d = read_file(&p, &tz).expect("naive");
    let s = d.series.values().next().expect("one");
    assert_eq!(s.times[0], 1_794_182_400.0, "naive 01:00 Berlin is 00:00Z");
    let p = write(dir.path(), "nan.csv", "time,value\n1762646400,\n1762646700,NaN\n1762646800,-inf\n");
    let d = read_file(&p, &tz).expect("nan");
    assert!(d.series.values().next().expect("one").values.iter().all(|v| v.is_nan()));
}

#[test]
fn a_file_in_local_time_passes_through_the_autumn_hour_twice_in_order() {
    let dir = tempfile::tempdir().expect("tmp");
    let tz: Tz = "Europe/Berlin".parse().expect("tz");
    // 2026-10-25 02:00 CEST is 00:00Z; the clocks go back at 03:00 CEST, so 02:00 CET is 01:00Z.
    let z = |h: f64| 1_792_886_400.0 + h * 3600.0;
    // (file, text, series → times read, in file order)
    type Want = Vec<(&'static str, Vec<f64>)>;
    let cases: [(&str, &str, Want); 6] = [
        (
            "ascending.csv",
            "time,value\n2026-10-25 01:55,1\n2026-10-25 02:00,2\n2026-10-25 02:30,3\n2026-10-25 02:00,4\n2026-10-25 02:30,5\n2026-10-25 03:00,6\n",
            vec![("", vec![z(-5.0 / 60.0), z(0.0), z(0.5), z(1.0), z(1.5), z(2.0)])],
        ),
        (
            "interleaved.csv",
            "time,series,value\n2026-10-25 02:00,a,1\n2026-10-25 02:00,b,1\n2026-10-25 02:30,a,2\n2026-10-25 02:30,b,2\n2026-10-25 02:00,a,3\n2026-10-25 02:00,b,3\n2026-10-25 03:00,a,4\n",
            vec![("a", vec![z(0.0), z(0.5), z(1.0), z(2.0)]), ("b", vec![z(0.0), z(0.5), z(1.0)])],
        ),
        (
            "hourly.csv",
            "Zeit;Wert\n25.10.2026 01:00;1\n25.10.2026 02:00;2\n25.10.2026 02:00;3\n25.10.2026 03:00;4\n",
            vec![("", vec![z(-1.0), z(0.0), z(1.0), z(2.0)])],
        ),
        // In five-minute data the same time twice is a repeated row, not the second pass.
        (
            "repeated.csv",
            "time,value\n2026-10-25 01:55,1\n2026-10-25 02:00,2\n2026-10-25 02:00,2\n2026-10-25 02:05,3\n",
            vec![("", vec![z(-5.0 / 60.0), z(0.0), z(0.0), z(5.0 / 60.0)])],
        ),
        // Times with their offset say which they are; a file out of order stays as it says.
        (
            "offsets.csv",
            "time,value\n2026-10-25T02:30:00+02:00,1\n2026-10-25T02:00:00+02:00,2\n2026-10-25T02:00:00+01:00,3\n",
            vec![("", vec![z(0.5), z(0.0), z(1.0)])],
        ),
        // A row far out of order is not moved an hour: its later reading would go back in time too.
        ("unsorted.csv", "time,value\n2026-10-25 05:00,1\n2026-10-25 02:30,2\n", vec![("", vec![z(4.0), z(0.5)])]),
    ];
    for (name, text, want) in cases {
        let p = write(dir.path(), name, text);
        let d = read_file(&p, &tz).unwrap_or_else(|e| panic!("{name}: {e}"));
        for (series, times) in want {
            let got = d.series.iter().find(|((k, _), _)| k.is_empty() || k == series).map(|(_, s)| s.times.clone());
            let got = if series.is_empty() { d.series.values().next().map(|s| s.times.clone()) } else { got };
            assert_eq!(got, Some(times), "{name} {series}");
        }
    }

    // A Parquet file of naive date-times (what pandas writes for local times) is read the same way.
    let wall = |h: i64, m: i64| (1_792_886_400 + h * 3600 + m * 60) * 1000; // 2026-10-25 hh:mm as if UTC, in ms
    let t = Series::new("time".into(), &[wall(1, 55), wall(2, 0), wall(2, 30), wall(2, 0), wall(3, 0)])
        .cast(&DataType::Datetime(TimeUnit::Milliseconds, None))
        .expect("naive date-times");
    let mut df = DataFrame::new(5, vec![t.into(), Series::new("value".into(), &[1.0, 2.0, 3.0, 4.0, 5.0]).into()]).expect("frame");
    let p = dir.path().join("naive.parquet");
    ParquetWriter::new(std::fs::File::create(&p).expect("create")).finish(&mut df).expect("write");
    let d = read_file(&p, &tz).expect("parquet");
    let s = d.series.values().next().expect("one series");
    assert_eq!(s.times, [z(-5.0 / 60.0), z(0.0), z(0.5), z(1.0), z(2.0)]);
}

#[test]
fn bad_files_name_the_file_and_line() {
    let dir = tempfile::tempdir().expect("tmp");
    let tz = Tz::UTC;
    let cases = [
        ("empty.csv", "", "empty.csv: the file is empty"),
        ("header.csv", "timestamp,value\n", "header.csv: the file has a header but no rows"),
        ("blanks.csv", "\n \r\n\n", "blanks.csv: the file holds only blank lines"),
        ("badts.csv", "timestamp,value\n2026-11-09T00:00:00Z,1\nyesterday,2\n", "badts.csv:3: `yesterday` is not a timestamp"),
        (
            "badval.csv",
            "timestamp,value\n2026-11-09T00:00:00Z,1\n2026-11-09T00:05:00Z,1\n2026-11-09T00:10:00Z,twelve\n",
            "badval.csv:4: value `twelve` is not a number",
        ),
        ("one.csv", "timestamp\n2026-11-09T00:00:00Z\n", "one.csv: needs at least two columns"),
        ("three.csv", "a,b,c\n1,x,3\n", "three.csv:2 (series `b`): value `x` is not a number"),
        (
            "blank.csv",
            "timestamp,series,value\n2026-11-09T00:00:00Z,a,1\n2026-11-09T00:05:00Z,a,2\n2026-11-09T00:10:00Z,  ,3\n",
            "blank.csv:4: the series cell is empty",
        ),
        (
            "ragged.csv",
            "timestamp,value\n2026-11-09T00:00:00Z,1,7,8\n",
            "ragged.csv:2: 4 fields where the first line `timestamp,value` has 2",
        ),
        ("x.json", "{}", "x.json: unknown file type `.json`"),
        ("bad.parquet", "PAR1 not really", "bad.parquet: not a readable Parquet file"),
    ];
    for (name, text, want) in cases {
        let p = write(dir.path(), name, text);
        let err = read_file(&p, &tz).expect_err(name).to_string();
        assert!(err.contains(want), "{name}: got `{err}`, want `{want}`");
    }
    let missing = read_file(&dir.path().join("nope.csv"), &tz).expect_err("missing").to_string();
    assert!(missing.contains("nope.csv: cannot open"), "{missing}");
}

#[test]
fn blank_lines_and_empty_rows_are_left_out_and_lines_still_counted_in_the_file() {
    let dir = tempfile::tempdir().expect("tmp");
    let tz = Tz::UTC;
    let (a, b, c) = ("2026-11-09T00:00:00Z", "2026-11-09T00:05:00Z", "2026-11-09T00:10:00Z");
    // Each file's series with their values, or the error's line and message.
    type Want = Result<Vec<(&'static str, Vec<f64>)>, (usize, &'static str)>;
    let cases: Vec<(&str, String, Want)> = vec![
        // What editors and `echo >> file` leave at the end, with Windows line ends.
        ("trailing.csv", format!("timestamp,value\r\n{a},1\r\n{b},2\r\n\r\n\r\n"), Ok(vec![("trailing", vec![1.0, 2.0])])),
        ("between.csv", format!("timestamp,value\n\n{a},1\n\n\n{b},2\n{c},3\n"), Ok(vec![("between", vec![1.0, 2.0, 3.0])])),
        // A spreadsheet's empty rows below its table.
        ("sheet.csv", format!("time;value\n{a};1,5\n{b};2\n;\n;\n"), Ok(vec![("sheet", vec![1.5, 2.0])])),
        ("headerless.csv", format!("{a},1\n\n{b},2\n"), Ok(vec![("headerless", vec![1.0, 2.0])])),
        // A row with a time and no value is a missing point, not a blank row.
        ("gap.csv", format!("timestamp,value\n{a},1\n{b},\n{c},3\n"), Ok(vec![("gap", vec![1.0, f64::NAN, 3.0])])),
        ("wide.csv", format!("time,api,db\n{a},1,\n,,\n{b},,4\n\n"), Ok(vec![("api", vec![1.0, f64::NAN]), ("db", vec![f64::NAN, 4.0])])),
        // Errors after blank lines name the line in the file.
        ("late.csv", format!("timestamp,value\n\n{a},1\n\n\n{b},two\n"), Err((6, "value `two` is not a number"))),
        ("longform.csv", format!("timestamp,series,value\n{a},s,1\n\n{b},,2\n"), Err((4, "the series cell is empty"))),
        ("nothing.csv", "timestamp,value\n\n\n".to_string(), Err((0, "the file has a header but no rows"))),
    ];
    for (name, text, want) in cases {
        let p = write(dir.path(), name, &text);
        let got = read_file(&p, &tz).map(|d| {
            let mut s: Vec<(String, Vec<u64>)> =
                d.series.into_iter().map(|(k, v)| (k.0, v.values.iter().map(|x| x.to_bits()).collect())).collect();
            s.sort();
            s
        });
        match (got, want) {
            (Ok(got), Ok(want)) => {
                let want: Vec<(String, Vec<u64>)> =
                    want.into_iter().map(|(k, v)| (k.to_string(), v.iter().map(|x| x.to_bits()).collect())).collect();
                assert_eq!(got, want, "{name}");
            }
            (Err(e), Err((line, message))) => {
                assert_eq!((e.line.unwrap_or(0), e.message.as_str()), (line, message), "{name}: {e}");
            }
            (got, want) => panic!("{name}: got {got:?}, want {want:?}"),
        }
    }
}

/// Garbage in never panics: random mixes of valid and broken cells, quotes, separators, NaN, huge
/// numbers and non-UTF-8 bytes either load or fail with an error naming the file.
#[test]
fn random_bytes_never_panic() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut rng = crate::synth::Rng::new(99);
    let pieces: [&[u8]; 16] = [
        b"timestamp,series,value\n",
        b"2026-11-09T00:00:00Z",
        b"1762646400",
        b"1e300",
        b"NaN",
        b"-inf",
        b",",
        b"\n",
        b"\"",
        b"a",
        b"",
        b"\xff\xfe",
        b"2026-13-40 25:61",
        b"-",
        b";",
        b"9999999999999999999999",
    ];
    for case in 0..300 {
        let mut bytes = Vec::new();
        for _ in 0..(1 + rng.below(40)) {
            bytes.extend_from_slice(pieces[rng.below(pieces.len())]);
        }
        let p = dir.path().join(format!("f{case}.csv"));
        std::fs::write(&p, &bytes).expect("write");
        if let Err(e) = read_file(&p, &Tz::UTC) {
            assert!(e.to_string().contains(&format!("f{case}.csv")), "{e}");
        }
    }
}

#[test]
fn parquet_round_trip_keeps_instances() {
    let dir = tempfile::tempdir().expect("tmp");
    let p = dir.path().join("m.parquet");
    let mut rows = LongRows::default();
    for i in 0..10 {
        rows.push(1_762_646_400 + i * 300, "cpu", Some("i-1"), i as f64);
        rows.push(1_762_646_400 + i * 300, "cpu", Some("i-2"), 2.0 * i as f64);
    }
    rows.push(1_762_646_400, "lat", None, f64::NAN);
    write_long_parquet(&p, rows).expect("write");
    let d = read_file(&p, &Tz::UTC).expect("read");
    assert_eq!(d.rows, 21);
    let i2 = &d.series[&("cpu".to_string(), Some("i-2".to_string()))];
    assert_eq!(i2.values[3], 6.0);
    assert_eq!(i2.times[1], 1_762_646_700.0);
    assert!(d.series[&("lat".to_string(), None)].values[0].is_nan());
    assert_eq!(d.keys(), vec!["cpu".to_string(), "lat".to_string()]);
}

#[test]
fn a_file_with_one_column_per_series_is_read_as_those_series() {
    let dir = tempfile::tempdir().expect("tmp");
    let tz: Tz = "Europe/Berlin".parse().expect("tz");
    // 2026-11-09 00:00 in Berlin (UTC+1), and 2026-10-25 01:00 CEST, before the clocks go back.
    let (a, autumn) = (1_794_178_800.0, 1_792_882_800.0);
    type Series = Vec<(&'static str, Vec<f64>)>;
    // Each series with its values, the times they share, or the error's line, series and message.
    type Want = Result<(Series, Vec<f64>), (Option<usize>, Option<&'static str>, &'static str)>;
    let nan = f64::NAN;
    let cases: Vec<(&str, &str, Want)> = vec![
        (
            "grafana.csv",
            "\"Time\",\"api-a p99\",\"api-b p99\"\n2026-11-09 00:00:00,1,2\n2026-11-09 00:05:00,,4\n",
            Ok((vec![("api-a p99", vec![1.0, nan]), ("api-b p99", vec![2.0, 4.0])], vec![a, a + 300.0])),
        ),
        (
            "labels.csv",
            "\"Time\",\"cpu{instance=\"\"x\"\"}\",\"cpu{instance=\"\"y\"\"}\"\n1794178800000,0.5,0.25\n",
            Ok((vec![("cpu{instance=\"x\"}", vec![0.5]), ("cpu{instance=\"y\"}", vec![0.25])], vec![a])),
        ),
        // An export "for Excel": a byte-order mark, a `sep=` line, a semicolon and decimal commas.
        (
            "excel.csv",
            "\u{feff}sep=;\r\nZeit;Checkout;Login\r\n09.11.2026 00:00;1,5;2\r\n09.11.2026 00:05;3;0,5\r\n",
            Ok((vec![("Checkout", vec![1.5, 3.0]), ("Login", vec![2.0, 0.5])], vec![a, a + 300.0])),
        ),
        // The hour the clocks go back, written twice in local time, is read once for every column.
        (
            "autumn.csv",
            "time,a,b\n2026-10-25 01:00,1,5\n2026-10-25 02:00,2,6\n2026-10-25 02:00,3,7\n2026-10-25 03:00,4,8\n",
            Ok((
                vec![("a", vec![1.0, 2.0, 3.0, 4.0]), ("b", vec![5.0, 6.0, 7.0, 8.0])],
                vec![autumn, autumn + 3600.0, autumn + 7200.0, autumn + 10_800.0],
            )),
        ),
        // A bad cell is its column's error (asserted below); the other columns are read.
        ("bad.csv", "time,a,b\n2026-11-09 00:00,1,2\n2026-11-09 00:05,1,x\n", Ok((vec![("a", vec![1.0, 1.0])], vec![a, a + 300.0]))),
        // Every column bad: the file's error, at the first bad cell.
        ("allbad.csv", "time,a,b\n2026-11-09 00:00,1,2\n2026-11-09 00:05,1,x\n2026-11-09 00:10,y,2\n", Err((Some(3), Some("b"), "value `x` is not a number"))),
        ("stamp.csv", "time,a,b\n2026-11-09 00:00,1,2\nlater,1,2\n", Err((Some(3), None, "`later` is not a timestamp"))),
        // A long file whose columns have other names: the text column is said to be a series column.
        (
            "long.csv",
            "ts,name_of_series,reading\n2026-11-09 00:00,api.latency,1\n",
            Err((Some(2), Some("name_of_series"), "value `api.latency` is not a number; every column but the time is a series of numbers here — a file with a column naming the series calls it `series`")),
        ),
        ("twice.csv", "time,a,a\n2026-11-09 00:00,1,2\n", Err((None, Some("a"), "two columns are named `a`"))),
        ("unnamed.csv", "time,,b\n2026-11-09 00:00,1,2\n", Err((None, None, "a column has no name"))),
        ("headerless.csv", "2026-11-09 00:00,a,1\n", Err((None, None, "3 columns and no header line"))),
        (
            "excel-shape.csv",
            "sep=,\ntime,a,b\n2026-11-09 00:00,1,2\n2026-11-09 00:05,1,2,3\n",
            Err((Some(4), None, "4 fields where line 2 `time,a,b` has 3")),
        ),
    ];
    for (name, text, want) in cases {
        let p = write(dir.path(), name, text);
        match (read_file(&p, &tz), want) {
            (Ok(d), Ok((series, times))) => {
                assert!(!d.bare, "{name}");
                let mut keys: Vec<&str> = series.iter().map(|s| s.0).collect();
                if name == "bad.csv" {
                    let e = &d.broken["b"];
                    assert_eq!((e.line, e.series.as_deref()), (Some(3), Some("b")), "{e}");
                    assert!(e.message.contains("value `x` is not a number"), "{e}");
                    keys.push("b");
                } else {
                    assert!(d.broken.is_empty(), "{name}: {:?}", d.broken);
                }
                assert_eq!(d.all_keys, keys, "{name}");
                for (key, values) in series {
                    let s = &d.series[&(key.to_string(), None)];
                    assert_eq!(s.times, times, "{name}: {key}");
                    let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                    assert_eq!(bits(&s.values), bits(&values), "{name}: {key}");
                }
            }
            (Err(e), Err((line, series, message))) => {
                assert_eq!((e.line, e.series.as_deref()), (line, series), "{name}: {e}");
                assert!(e.message.contains(message), "{name}: {}", e.message);
            }
            (got, want) => panic!("{name}: got {got:?}, want {want:?}"),
        }
    }
}

#[test]
fn a_parquet_file_with_one_column_per_series_is_read_as_those_series() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("wide.parquet");
    let mut df = df!(
        "time" => [1_794_178_800_000i64, 1_794_179_100_000],
        "checkout" => [1.0, 2.0],
        "login" => [Some(3.0), None],
    )
    .expect("frame");
    ParquetWriter::new(std::fs::File::create(&path).expect("create")).finish(&mut df).expect("write");
    let d = read_file(&path, &Tz::UTC).expect("read");
    assert_eq!(d.all_keys, ["checkout", "login"]);
    assert_eq!(d.series[&("checkout".to_string(), None)].values, [1.0, 2.0]);
    assert_eq!(d.series[&("login".to_string(), None)].times, [1_794_178_800.0, 1_794_179_100.0]);
    assert!(d.series[&("login".to_string(), None)].values[1].is_nan(), "an empty cell is a missing point");
}

/// A file read with `read_file`'s accumulation, in chunks of `chunk_bytes` of text: its series (times and values
/// as bits), keys, rows and the errors of its broken columns, or its error.
fn read_in_chunks(path: &Path, tz: &Tz, chunk_bytes: usize) -> Result<String, String> {
    let mut all = FileData::default();
    read_csv_chunks(path, chunk_bytes, tz, &mut |d| {
        all.absorb(d);
        true
    })
    .map_err(|e| e.to_string())?;
    all.settle_keys();
    let mut series: Vec<_> = all
        .series
        .iter()
        .map(|(k, s)| {
            (k.clone(), s.times.iter().map(|t| t.to_bits()).collect::<Vec<_>>(), s.values.iter().map(|v| v.to_bits()).collect::<Vec<_>>())
        })
        .collect();
    series.sort();
    let mut broken: Vec<String> = all.broken.values().map(|e| e.to_string()).collect();
    broken.sort();
    Ok(format!("{series:?} {:?} bare {} rows {} broken {broken:?}", all.all_keys, all.bare, all.rows))
}

#[test]
fn a_csv_file_read_a_chunk_at_a_time_is_the_file_read_at_once() {
    let dir = tempfile::tempdir().expect("tmp");
    let berlin: Tz = "Europe/Berlin".parse().expect("tz");
    let t = |i: usize| format!("2026-11-0{}T{:02}:{:02}:00Z", 2 + i / 288 % 7, i / 12 % 24, i % 12 * 5);
    let mut cases: Vec<(&str, String, Tz)> = Vec::new();
    // Long, each series' rows together, with instances, quoted keys (one with a line end in it) and blank lines.
    let mut grouped = String::from("timestamp,series,instance,value\n");
    for (k, key) in ["api", "\"db, main\"", "\"q\nueue\""].iter().enumerate() {
        for i in 0..60 {
            grouped += &format!("{},{key},{},{}\n", t(i), ["a", "b"][i % 2], k * 100 + i);
            if i % 25 == 0 {
                grouped += "\n";
            }
        }
    }
    cases.push(("grouped.csv", grouped, Tz::UTC));
    // Long, sorted by time (every series in every chunk), with Windows line ends.
    let mut by_time = String::from("time,metric,value\r\n");
    for i in 0..80 {
        for key in ["a", "b", "c"] {
            by_time += &format!("{},{key},{}.5\r\n", t(i), i);
        }
    }
    cases.push(("by_time.csv", by_time, Tz::UTC));
    // Wide: a column with a word late in the file (its series' error), one with empty cells; a spreadsheet's
    // export with a byte-order mark, a `sep=` line and decimal commas.
    let mut wide = String::from("time,api,db,queue\n");
    for i in 0..70 {
        wide +=
            &format!("{},{i},{},{}\n", t(i), if i == 50 { "oops".to_string() } else { i.to_string() }, if i % 3 == 0 { "" } else { "1" });
    }
    cases.push(("wide.csv", wide, Tz::UTC));
    // Blank lines before the header.
    let mut leading = String::from("\n\ntimestamp,value\n");
    for i in 0..30 {
        leading += &format!("{},{i}\n", t(i));
    }
    cases.push(("leading.csv", leading, Tz::UTC));
    // A wide file whose column is text from its first row: a long file's series column under another name.
    let mut words = String::from("time,server,latency\n\n");
    for i in 0..40 {
        words += &format!("{},web-{},{i}\n", t(i), i % 3);
    }
    cases.push(("words.csv", words, Tz::UTC));
    let mut sheet = String::from("\u{feff}sep=;\r\nZeit;Wert\r\n");
    for i in 0..70 {
        sheet += &format!("{};{},{}\r\n", t(i), i, i % 10);
    }
    cases.push(("sheet.csv", sheet, Tz::UTC));
    // No header; a last line without a line end.
    let bare: Vec<String> = (0..50).map(|i| format!("{},{i}", t(i))).collect();
    cases.push(("bare.csv", bare.join("\n"), Tz::UTC));
    // Local times through the night the clocks go back (02:00–03:00 twice), every 10 minutes.
    let mut local = String::from("timestamp,series,value\n");
    for key in ["x", "y"] {
        for m in (0..300).step_by(10) {
            let (h, min) = (m / 60 % 3, m % 60);
            local += &format!(
                "2026-10-25 0{}:{min:02},{key},{m}\n",
                if m >= 180 {
                    h + 2
                } else if m >= 120 {
                    2
                } else {
                    h + 1
                }
            );
        }
    }
    cases.push(("autumn.csv", local, berlin));
    // Dates with slashes whose first rows do not tell day from month (the whole column does).
    let mut slashed = String::from("date,value\n");
    for d in 1..=20 {
        slashed += &format!("{d:02}/11/2026 10:00,{d}\n");
    }
    cases.push(("slashed.csv", slashed, Tz::UTC));
    // Errors late in the file name their line.
    let mut late = String::from("timestamp,value\n");
    for i in 0..60 {
        late += &format!("{},{}\n", t(i), if i == 47 { "twelve" } else { "1" });
    }
    cases.push(("late.csv", late, Tz::UTC));
    let mut ragged = String::from("timestamp,value\n");
    for i in 0..60 {
        ragged += &format!("{},1{}\n", t(i), if i == 52 { ",2" } else { "" });
    }
    cases.push(("ragged.csv", ragged, Tz::UTC));
    for (name, text, tz) in cases {
        let p = write(dir.path(), name, &text);
        let whole = read_in_chunks(&p, &tz, usize::MAX);
        assert_eq!(read_file(&p, &tz).map(|_| ()).map_err(|e| e.to_string()), whole.as_ref().map(|_| ()).map_err(|e| e.clone()), "{name}");
        for chunk in [1, 7, 64, 100, 333, 1000] {
            assert_eq!(read_in_chunks(&p, &tz, chunk), whole, "{name} in chunks of {chunk} bytes");
        }
        match name {
            "late.csv" => assert_eq!(whole, Err(format!("{}:49: value `twelve` is not a number", p.display())), "{name}"),
            "ragged.csv" => assert!(whole.as_ref().is_err_and(|e| e.contains(":54: 3 fields where the first line")), "{name}: {whole:?}"),
            "wide.csv" => assert!(whole.as_ref().is_ok_and(|w| w.contains("wide.csv:52 (series `db`)")), "{name}: {whole:?}"),
            "words.csv" => assert!(whole.as_ref().is_err_and(|e| e.contains("words.csv:3 (series `server`)")), "{name}: {whole:?}"),
            _ => assert!(whole.is_ok(), "{name}: {whole:?}"),
        }
    }
}
