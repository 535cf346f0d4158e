//! The README's numbers against the outputs they are read from. A line `<!-- numbers: FILE… -->`
//! before a block (the lines up to the next blank line) says where its numbers come from; every
//! number of that block (outside `code`; not the single digits and dates) must be found in one
//! of those files at the README's precision (81,000 is 80,960 to the thousand, 1.24 is 1.236 to
//! the hundredth), as it is, × 1000 or ÷ 1000 (s and ms) or, before a `%`, × 100. The files are the
//! reference outputs `scripts/regen-plots.sh` and the measuring scripts write, and the first
//! test checks that the bundled scenarios still print the tables kept in `plots/`, so a change
//! of the model that moves a quoted number fails here until the outputs and the README follow.

use std::path::Path;
use std::process::Command;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// Numbers in `text`: `1,022,286`, `0.52`, `17`, with where they start and whether `%` follows.
/// A number glued to a letter, `_`, `.`, `^`, `/` or a letter and `-` before it (p99, v0.1,
/// 2^20, CRC-32) is not one.
fn numbers(text: &str) -> Vec<(String, bool)> {
    let b = text.as_bytes();
    let mut out = vec![];
    let mut i = 0;
    while i < b.len() {
        let glued = i > 0 && (b[i - 1].is_ascii_alphanumeric() || b"_.^/".contains(&b[i - 1]))
            || (i > 1 && b[i - 1] == b'-' && b[i - 2].is_ascii_alphabetic()); // CRC-32
        if !b[i].is_ascii_digit() || glued {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        // Thousands groups: `,ddd` not followed by another digit.
        while i + 3 < b.len()
            && b[i] == b','
            && b[i + 1..i + 4].iter().all(u8::is_ascii_digit)
            && b.get(i + 4).is_none_or(|c| !c.is_ascii_digit())
        {
            i += 4;
        }
        if i + 1 < b.len() && b[i] == b'.' && b[i + 1].is_ascii_digit() {
            i += 1;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
        }
        let glued_after = b
            .get(i)
            .is_some_and(|c| c.is_ascii_alphabetic() || *c == b'_');
        if !glued_after {
            out.push((text[start..i].to_string(), b.get(i) == Some(&b'%')));
        }
    }
    out
}

/// `text` without inline code spans and dates.
fn prose(text: &str) -> String {
    let mut out = String::new();
    for (k, part) in text.split('`').enumerate() {
        if k % 2 == 0 {
            out.push_str(part);
        }
        out.push(' ');
    }
    let dates = regex::Regex::new(r"\d{4}-\d{2}-\d{2}").unwrap();
    dates.replace_all(&out, " ").into_owned()
}

/// Whether the README's `r` (with `percent`) is among `values` at its precision.
fn found(r: &str, percent: bool, values: &[f64]) -> bool {
    let plain = r.replace(',', "");
    let decimals = match plain.split_once('.') {
        Some((_, d)) => d.len() as i32,
        // 81,000 is written to the thousand: its trailing zeros are rounding.
        None if r.contains(',') => -((plain.len() - plain.trim_end_matches('0').len()) as i32),
        None => 0,
    };
    let want: f64 = plain.parse().unwrap();
    let scale = 10f64.powi(decimals);
    let same = |v: f64| ((v * scale).round() - want * scale).abs() < 0.5;
    // Seconds in the prose, milliseconds in a scenario file, and the other way round.
    values
        .iter()
        .any(|&v| same(v) || same(v * 1000.0) || same(v / 1000.0) || (percent && same(v * 100.0)))
}

/// Every number the files hold.
fn values(files: &[String]) -> Result<Vec<f64>, String> {
    let mut out = vec![];
    for f in files {
        let text =
            std::fs::read_to_string(Path::new(ROOT).join(f)).map_err(|e| format!("{f}: {e}"))?;
        let all = regex::Regex::new(r"\d+(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?").unwrap();
        let plain = regex::Regex::new(r"\d+(?:\.\d+)?").unwrap();
        for re in [&all, &plain] {
            for m in re.find_iter(&text) {
                out.push(m.as_str().replace(',', "").parse().unwrap());
            }
        }
    }
    Ok(out)
}

/// Every number of a tagged block not found in its files, as "line N: number (files)".
fn drifted(readme: &str) -> Vec<String> {
    let lines: Vec<&str> = readme.lines().collect();
    let mut out = vec![];
    for (i, line) in lines.iter().enumerate() {
        let Some(rest) = line.trim().strip_prefix("<!-- numbers:") else {
            continue;
        };
        let files: Vec<String> = (rest.trim_end_matches("-->").split_whitespace())
            .map(String::from)
            .collect();
        let vals = match values(&files) {
            Ok(v) => v,
            Err(e) => {
                out.push(format!("line {}: {e}", i + 1));
                continue;
            }
        };
        for (j, text) in lines.iter().enumerate().skip(i + 1) {
            if text.trim().is_empty() {
                break;
            }
            for (n, percent) in numbers(&prose(text)) {
                let single_digit = !n.contains(['.', ',']) && n.len() == 1;
                if !single_digit && !found(&n, percent, &vals) {
                    out.push(format!(
                        "line {}: {n}{} not in {}",
                        j + 1,
                        if percent { "%" } else { "" },
                        files.join(" ")
                    ));
                }
            }
        }
    }
    out
}

#[test]
fn the_checker_finds_a_number_that_drifted_and_passes_one_that_did_not() {
    let tmp = tempfile::tempdir().unwrap();
    let f = tmp.path().join("out.txt");
    std::fs::write(
        &f,
        "rate 233616.4 ratio 0.4712 hit 0.04, 1,022,286 records\n",
    )
    .unwrap();
    let tag = format!("<!-- numbers: {} -->", f.display());
    let good = format!("{tag}\nRF 3 gives 233,616 records/s, 1.47× is not, p99 4% `linger.ms=20` 1,022,286 on 2026-11-30\n");
    let bad = format!("{tag}\nRF 3 gives 233,617 records/s\n\nuntagged 999,999\n");
    let good_left = drifted(&good.replace("1.47×", "0.47×"));
    assert!(good_left.is_empty(), "{good_left:?}");
    let bad_left = drifted(&bad);
    assert_eq!(bad_left.len(), 1, "{bad_left:?}");
    assert!(bad_left[0].contains("233,617"), "{bad_left:?}");
}

#[test]
fn every_number_the_readme_quotes_is_in_the_output_it_comes_from() {
    let readme = std::fs::read_to_string(Path::new(ROOT).join("README.md")).unwrap();
    let tags = readme.matches("<!-- numbers:").count();
    assert!(tags > 0, "the README tags no block");
    let left = drifted(&readme);
    assert!(
        left.is_empty(),
        "README numbers not found in the outputs they come from (regenerate with scripts/regen-plots.sh, then update the README):\n{}",
        left.join("\n")
    );
}

#[test]
fn every_bundled_scenario_prints_the_output_kept_in_plots() {
    let mut stale = vec![];
    let mut dir: Vec<_> = std::fs::read_dir(Path::new(ROOT).join("scenarios"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    dir.sort();
    for f in dir {
        let name = f.file_stem().unwrap().to_string_lossy().into_owned();
        let o = Command::new(env!("CARGO_BIN_EXE_kafkasim"))
            .current_dir(ROOT)
            .args(["run", &format!("scenarios/{name}.toml"), "--quiet"])
            .output()
            .unwrap();
        let kept = std::fs::read(Path::new(ROOT).join(format!("plots/{name}/table.txt"))).unwrap();
        if o.stdout != kept {
            stale.push(name);
        }
    }
    let omb = Command::new(env!("CARGO_BIN_EXE_kafkasim"))
        .current_dir(ROOT)
        .args([
            "run",
            "--omb-workload",
            "examples/omb/1-topic-16-partitions-1kb.yaml",
            "--omb-driver",
            "examples/omb/kafka-driver.yaml",
            "--format",
            "omb",
            "--quiet",
        ])
        .output()
        .unwrap();
    if omb.stdout != std::fs::read(Path::new(ROOT).join("plots/omb/result.json")).unwrap() {
        stale.push("omb (result.json)".into());
    }
    assert!(
        stale.is_empty(),
        "plots/<scenario>/table.txt is not what the code prints for {stale:?}: run scripts/regen-plots.sh and check the README's numbers"
    );
}
