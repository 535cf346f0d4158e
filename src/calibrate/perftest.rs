//! Reading the text output of Kafka's `kafka-producer-perf-test` and `kafka-consumer-perf-test`
//! (Apache Kafka 2.x–4.x, `org.apache.kafka.tools.ProducerPerformance` / `ConsumerPerformance`)
//! as calibration measurements of a user's own cluster.
//!
//! What is read:
//! - the producer's final line, `N records sent, R records/sec (M MB/sec), A ms avg latency,
//!   X ms max latency, P ms 50th, P ms 95th, P ms 99th, P ms 99.9th.` (the periodic window lines
//!   without percentiles are skipped; a `N steady state records sent, …` line that follows
//!   replaces the total of its run, since it leaves the warm-up records out);
//! - the consumer's result row under `start.time, end.time, data.consumed.in.MB, MB.sec,
//!   data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec,
//!   fetch.nMsg.sec` (also without the header, `--hide-header`); `rebalance.time.ms` is the group
//!   join time, so `fetch.nMsg.sec` is the throughput after the join.
//!
//! The tools print no topic layout, so lines starting with `# kafkasim:` say what was measured,
//! for every result below them until the next such line:
//!
//! ```text
//! # kafkasim: name=p4-lz4 role=held-out topic.partitions=4 producer.compression.type=lz4
//! ```
//!
//! `name` and `role` (`fit` / `held-out`) are optional; every other `key=value` is a scenario key
//! (see `kafkasim config`). Without `role`, a point is fitted when its topic has one partition and
//! held out otherwise. Both tools use the Java client, so points get `client=java`; the record
//! size comes from MB/sec over records/sec (the tools' MB is 2^20 bytes).

use super::data::{CalPoint, Phase, Role, Sample};

/// A perf-test file that cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("--from-perf-test {path}: {reason}")]
pub struct PerfTestError {
    /// The file.
    pub path: String,
    /// What is wrong and what is accepted.
    pub reason: String,
}

const MIB: f64 = 1024.0 * 1024.0;

/// A result read from the file: what was timed, the sample, the record size in bytes.
type Found = (Phase, Sample, u64);

struct Block {
    name: Option<String>,
    role: Option<Role>,
    settings: Vec<(String, String)>,
}

/// Parses one file's text; `path` names it in messages and in point names.
pub fn parse(text: &str, path: &str) -> Result<Vec<CalPoint>, PerfTestError> {
    let fail = |line: usize, reason: String| PerfTestError {
        path: path.into(),
        reason: format!("line {line}: {reason}"),
    };
    let stem = std::path::Path::new(path)
        .file_stem()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_else(|| "perf-test".into());
    let mut blocks: Vec<(Block, Vec<Found>)> = vec![(
        Block {
            name: None,
            role: None,
            settings: vec![],
        },
        vec![],
    )];
    let mut last_was_producer_total = false;
    for (i, raw) in text.lines().enumerate() {
        // kafkasim's own table prints the tools' lines after `producer-perf:` / `consumer-perf:`.
        let line = raw.trim();
        let line = (line.strip_prefix("producer-perf:"))
            .or_else(|| line.strip_prefix("consumer-perf:"))
            .map_or(line, str::trim);
        let n = i + 1;
        if let Some(rest) = line.strip_prefix("# kafkasim:") {
            let mut b = Block {
                name: None,
                role: None,
                settings: vec![],
            };
            for item in rest.split_whitespace() {
                let (k, v) = item
                    .split_once('=')
                    .ok_or_else(|| fail(n, format!("`{item}`: expected key=value")))?;
                match k {
                    "name" => b.name = Some(v.to_string()),
                    "role" => {
                        b.role = Some(match v {
                            "fit" => Role::Fit,
                            "held-out" => Role::HeldOut,
                            _ => {
                                return Err(fail(n, format!("role={v}: expected fit or held-out")))
                            }
                        })
                    }
                    _ => b.settings.push((k.to_string(), v.to_string())),
                }
            }
            blocks.push((b, vec![]));
            last_was_producer_total = false;
            continue;
        }
        let samples = &mut blocks.last_mut().expect("one block").1;
        if let Some((records, steady, s)) = producer_total(line) {
            let wall = if s.0 > 0.0 { records as f64 / s.0 } else { 0.0 };
            let size = if s.0 > 0.0 {
                (s.1 * MIB / s.0).round() as u64
            } else {
                0
            };
            let sample = Sample {
                repetition: 0,
                cold: false,
                records,
                bytes: records * size,
                wall_s: wall,
                first_record_s: None,
                group_join_s: None,
                records_per_consumer: vec![],
                load_1m: None,
                steal_s: None,
            };
            if steady && last_was_producer_total {
                samples.pop();
            }
            samples.push((Phase::Produce, sample, size));
            last_was_producer_total = !steady;
            continue;
        }
        last_was_producer_total = false;
        if let Some(c) = consumer_row(line) {
            let c = c.map_err(|r| fail(n, r))?;
            let size = if c.records > 0 {
                (c.mb * MIB / c.records as f64).round() as u64
            } else {
                0
            };
            let join = c.rebalance_ms / 1000.0;
            let sample = Sample {
                repetition: 0,
                cold: false,
                records: c.records,
                bytes: (c.mb * MIB).round() as u64,
                wall_s: join + c.fetch_ms / 1000.0,
                first_record_s: None,
                group_join_s: Some(join),
                records_per_consumer: vec![c.records],
                load_1m: None,
                steal_s: None,
            };
            samples.push((Phase::Consume, sample, size));
        }
    }
    let mut points: Vec<CalPoint> = vec![];
    for (bi, (block, samples)) in blocks.into_iter().enumerate() {
        for phase in [Phase::Produce, Phase::Consume] {
            let mine: Vec<&Found> = samples.iter().filter(|s| s.0 == phase).collect();
            let Some(first) = mine.first() else { continue };
            let base = block.name.clone().unwrap_or_else(|| format!("{stem}-{bi}"));
            let consumers = if phase == Phase::Produce { 0 } else { 1 };
            let mut settings = vec![
                ("client".to_string(), "java".to_string()),
                ("producer.records".into(), first.1.records.to_string()),
                ("producer.value_bytes".into(), first.2.to_string()),
                ("consumer.count".into(), consumers.to_string()),
                ("consumer.start_after_produce".into(), "true".into()),
                ("consumer.auto.offset.reset".into(), "earliest".into()),
            ];
            settings.extend(block.settings.iter().cloned());
            let partitions = settings
                .iter()
                .rev()
                .find(|(k, _)| k == "topic.partitions")
                .map(|(_, v)| v.as_str());
            let role = block.role.unwrap_or(match partitions {
                None | Some("1") => Role::Fit,
                Some(_) => Role::HeldOut,
            });
            points.push(CalPoint {
                name: format!("{base}/{phase}"),
                phase,
                consumers,
                role,
                settings,
                samples: mine
                    .iter()
                    .enumerate()
                    .map(|(r, s)| Sample {
                        repetition: r as u32,
                        ..s.1.clone()
                    })
                    .collect(),
            });
        }
    }
    if points.is_empty() {
        return Err(PerfTestError {
            path: path.into(),
            reason:
                "unknown format: no kafka-producer-perf-test result (a line like `100000 records \
                     sent, 52000.1 records/sec (4.96 MB/sec), … ms 99.9th.`) and no \
                     kafka-consumer-perf-test result row (under `start.time, end.time, \
                     data.consumed.in.MB, …`) was found"
                    .into(),
        });
    }
    Ok(points)
}

/// `N[ steady state] records sent, R records/sec (M MB/sec), … 99.9th.` → (N, steady, (R, M)).
fn producer_total(line: &str) -> Option<(u64, bool, (f64, f64))> {
    if !line.ends_with("99.9th.") {
        return None;
    }
    let (head, rest) = line.split_once(" records sent, ")?;
    let (count, steady) = match head.strip_suffix(" steady state") {
        Some(c) => (c, true),
        None => (head, false),
    };
    let records = count.trim().parse::<u64>().ok()?;
    let (rate, rest) = rest.split_once(" records/sec (")?;
    let (mb, _) = rest.split_once(" MB/sec)")?;
    // A rate must be a positive, finite number: a negative one is not a perf-test result.
    let positive = |t: &str| {
        t.trim()
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite() && *v > 0.0)
    };
    Some((records, steady, (positive(rate)?, positive(mb)?)))
}

struct ConsumerRow {
    mb: f64,
    records: u64,
    rebalance_ms: f64,
    fetch_ms: f64,
}

/// A consumer result row (10 comma-separated fields starting with two timestamps); `None` when
/// the line is something else, `Some(Err)` when it looks like one but a number is malformed.
fn consumer_row(line: &str) -> Option<Result<ConsumerRow, String>> {
    let f: Vec<&str> = line.split(',').map(str::trim).collect();
    let stamp =
        |s: &str| s.contains(':') && s.contains('-') && s.starts_with(|c: char| c.is_ascii_digit());
    if f.len() != 10 || !stamp(f[0]) || !stamp(f[1]) {
        return None;
    }
    let num = |i: usize, name: &str| {
        f[i].parse::<f64>()
            .ok()
            .filter(|v| v.is_finite() && *v >= 0.0)
            .ok_or_else(|| format!("`{name}` = {:?}: expected a number ≥ 0", f[i]))
    };
    Some((|| {
        let records = f[4].parse::<u64>().map_err(|_| {
            format!(
                "`data.consumed.in.nMsg` = {:?}: expected a whole number",
                f[4]
            )
        })?;
        Ok(ConsumerRow {
            mb: num(2, "data.consumed.in.MB")?,
            records,
            rebalance_ms: num(6, "rebalance.time.ms")?,
            fetch_ms: num(7, "fetch.time.ms")?,
        })
    })())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Shaped exactly like Kafka 4.x `kafka-producer-perf-test --num-records 100000
    /// --record-size 100 --throughput -1` (window lines every 5 s, then the total).
    const PRODUCER: &str = "\
# kafkasim: name=p1 topic.partitions=1 producer.batch.size=16384
100000 records sent, 96993.210475 records/sec (9.25 MB/sec), 112.60 ms avg latency, 405.00 ms max latency, 98 ms 50th, 285 ms 95th, 380 ms 99th, 401 ms 99.9th.
100000 records sent, 104058.272633 records/sec (9.92 MB/sec), 98.10 ms avg latency, 350.00 ms max latency, 90 ms 50th, 260 ms 95th, 330 ms 99th, 348 ms 99.9th.
# kafkasim: name=p4 topic.partitions=4
242006 records sent, 48401.2 records/sec (4.62 MB/sec), 5.3 ms avg latency, 302.0 ms max latency.
500000 records sent, 49995.000500 records/sec (4.77 MB/sec), 4.91 ms avg latency, 302.00 ms max latency, 3 ms 50th, 12 ms 95th, 25 ms 99th, 290 ms 99.9th.
400000 steady state records sent, 50100.200401 records/sec (4.78 MB/sec), 4.80 ms avg latency, 120.00 ms max latency, 3 ms 50th, 11 ms 95th, 22 ms 99th, 100 ms 99.9th.
";

    /// Shaped exactly like Kafka 4.x `kafka-consumer-perf-test --messages 100000`.
    const CONSUMER: &str = "\
start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec
2025-06-01 10:00:00:000, 2025-06-01 10:00:03:500, 9.5367, 2.7248, 100000, 28571.4286, 3100, 400, 23.8419, 250000.0000
";

    #[test]
    fn producer_totals_are_read_and_steady_state_replaces_its_run() {
        let pts = parse(PRODUCER, "runs/prod.txt").unwrap();
        assert_eq!(pts.len(), 2);
        let p1 = &pts[0];
        assert_eq!(p1.name, "p1/produce");
        assert_eq!(p1.role, Role::Fit);
        assert_eq!(p1.samples.len(), 2);
        assert!((p1.samples[0].records_per_s() - 96_993.21).abs() < 0.01);
        assert_eq!(p1.setting("producer.value_bytes"), Some("100"));
        assert_eq!(p1.setting("producer.batch.size"), Some("16384"));
        assert_eq!(p1.setting("client"), Some("java"));
        let p4 = &pts[1];
        assert_eq!(p4.role, Role::HeldOut);
        assert_eq!(
            p4.samples.len(),
            1,
            "window line skipped, steady state replaces the total"
        );
        assert_eq!(p4.samples[0].records, 400_000);
    }

    #[test]
    fn consumer_rows_give_the_throughput_after_the_join() {
        let pts = parse(CONSUMER, "cons.txt").unwrap();
        assert_eq!(pts.len(), 1);
        let c = &pts[0];
        assert_eq!(
            (c.phase, c.consumers, c.name.as_str()),
            (Phase::Consume, 1, "cons-0/consume")
        );
        let s = &c.samples[0];
        assert!((s.throughput() - 250_000.0).abs() < 1e-6);
        assert!((s.wall_s - 3.5).abs() < 1e-9);
        assert_eq!(c.setting("producer.value_bytes"), Some("100"));
        // Without the header (--hide-header) the row is still recognised.
        let no_header = CONSUMER.lines().nth(1).unwrap();
        assert_eq!(parse(no_header, "c").unwrap().len(), 1);
    }

    #[test]
    fn unknown_formats_and_bad_annotations_are_errors() {
        let e = parse("hello\nworld\n", "notes.txt")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("notes.txt") && e.contains("unknown format"),
            "{e}"
        );
        let e = parse("# kafkasim: role=maybe\n", "a.txt")
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 1") && e.contains("fit or held-out"), "{e}");
        let bad = "2025-06-01 10:00:00:000, 2025-06-01 10:00:03:500, x, 2.7, 100000, 1.0, 3100, 400, 1.0, 1.0";
        let e = parse(bad, "b.txt").unwrap_err().to_string();
        assert!(e.contains("data.consumed.in.MB"), "{e}");
    }

    #[test]
    fn negative_rates_and_times_are_refused() {
        // A producer total with a negative rate is no perf-test result: the file has none.
        let neg = "100000 records sent, -96993.2 records/sec (9.25 MB/sec), 1 ms avg latency, 2 ms max latency, 1 ms 50th, 1 ms 95th, 1 ms 99th, 1 ms 99.9th.\n";
        assert!(parse(neg, "neg.txt").is_err());
        // A consumer row with a negative fetch time names the field.
        let bad = CONSUMER.replace(", 400, ", ", -400, ");
        assert_ne!(bad, CONSUMER);
        let e = parse(&bad, "cons.txt").unwrap_err().to_string();
        assert!(e.contains("fetch.time.ms") && e.contains("≥ 0"), "{e}");
    }
}
