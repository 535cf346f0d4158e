//! Calibration data that needs no Kafka client: measured points, their samples and the
//! `measurements.csv` format (written after a run, read back by `--from-csv`).
//!
//! A [`CalPoint`] is one measured configuration *and phase*: its `settings` are scenario keys
//! (`topic.partitions=4`, `producer.linger.ms=0`, …) that make the simulator run the same
//! workload, so measurements from any source (the rdkafka harness, perf-test output) are compared
//! the same way.

use std::fmt;

/// Which side of Kafka a measurement timed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Producing every record of the repetition, to the last acknowledgement.
    Produce,
    /// Reading every record of the repetition, with one consumer or a group.
    Consume,
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Phase::Produce => "produce",
            Phase::Consume => "consume",
        })
    }
}

/// Whether a point was used to fit the cost parameters or held out to test the fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Used by the fitter.
    Fit,
    /// Not seen by the fitter: its error measures how well the model predicts.
    HeldOut,
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Role::Fit => "fit",
            Role::HeldOut => "held-out",
        })
    }
}

/// One timed repetition of a point.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// Repetition number, from 0 (warm-up runs are not kept).
    pub repetition: u32,
    /// The first run of the point, with nothing warmed up (kept apart from the others).
    pub cold: bool,
    /// Records produced, or distinct records consumed.
    pub records: u64,
    /// Key + value bytes of those records.
    pub bytes: u64,
    /// Wall time of the phase, s (consume: from subscribe, so it includes joining the group).
    pub wall_s: f64,
    /// Time to the first acknowledgement (produce) or the first record (consume), s.
    pub first_record_s: Option<f64>,
    /// Consume only: time until every consumer had its first assignment, s.
    pub group_join_s: Option<f64>,
    /// Consume only: records received by each consumer.
    pub records_per_consumer: Vec<u64>,
    /// The machine's 1-minute load average when the run started (`/proc/loadavg`; None where
    /// not measured). Recorded, not used to flag: on back-to-back runs it counts the
    /// calibration's own broker and client.
    pub load_1m: Option<f64>,
    /// CPU seconds the machine's vCPUs were ready to run but the hypervisor ran another tenant,
    /// during the run (`/proc/stat` steal, all CPUs; None where not measured).
    pub steal_s: Option<f64>,
}

/// A run is loaded when its machine lost more than this share of a core to other tenants
/// (steal) while it ran: it measured the neighbours too. The lab flags its repetitions the
/// same way (scripts/lab/results.py `STEAL_FLAG`).
pub const STEAL_FLAG_CORES: f64 = 0.05;

impl Sample {
    /// Whether other tenants took more than [`STEAL_FLAG_CORES`] of a core during the run.
    pub fn loaded(&self) -> bool {
        self.steal_s
            .is_some_and(|s| s > STEAL_FLAG_CORES * self.wall_s)
    }

    /// Records per second over the whole wall time.
    pub fn records_per_s(&self) -> f64 {
        rate(self.records, self.wall_s)
    }

    /// Records per second once the group formed (consume), else over the whole wall time —
    /// the throughput a calibration compares (like the simulator's
    /// `consume_records_per_s_after_join`).
    pub fn throughput(&self) -> f64 {
        match self.group_join_s {
            Some(j) if self.wall_s > j => rate(self.records, self.wall_s - j),
            _ => self.records_per_s(),
        }
    }
}

fn rate(n: u64, s: f64) -> f64 {
    if s > 0.0 {
        n as f64 / s
    } else {
        0.0
    }
}

/// One measured configuration and phase, with its samples.
#[derive(Debug, Clone, PartialEq)]
pub struct CalPoint {
    /// Unique name, e.g. `seed-p4-random/consume-4`.
    pub name: String,
    /// What was timed.
    pub phase: Phase,
    /// Consumers reading (0 for produce).
    pub consumers: u32,
    /// Fit or held out.
    pub role: Role,
    /// Scenario keys and values that reproduce the workload in the simulator.
    pub settings: Vec<(String, String)>,
    /// Every recorded repetition (cold and warm).
    pub samples: Vec<Sample>,
}

/// Mean and spread of a point's warm throughputs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spread {
    /// Warm repetitions.
    pub n: usize,
    /// Mean, records/s.
    pub mean: f64,
    /// Sample standard deviation (0 with one sample), records/s.
    pub sd: f64,
    /// Smallest, records/s.
    pub min: f64,
    /// Largest, records/s.
    pub max: f64,
}

impl Spread {
    /// Of `values` (None when empty).
    pub fn of(values: &[f64]) -> Option<Spread> {
        let n = values.len();
        if n == 0 {
            return None;
        }
        let mean = values.iter().sum::<f64>() / n as f64;
        let sd = if n > 1 {
            (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt()
        } else {
            0.0
        };
        Some(Spread {
            n,
            mean,
            sd,
            min: values.iter().copied().fold(f64::INFINITY, f64::min),
            max: values.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        })
    }
}

impl CalPoint {
    /// The value of scenario key `key` in this point's settings.
    pub fn setting(&self, key: &str) -> Option<&str> {
        self.settings
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The warm repetitions a point's figures are over: the quiet ones when they are at least
    /// two and a majority (the loaded ones dropped, as the lab drops its loaded repetitions:
    /// scripts/lab/results.py `used_reps`), else every warm one. The cold first run is kept apart.
    pub fn used(&self) -> Vec<&Sample> {
        let warm: Vec<&Sample> = self.samples.iter().filter(|s| !s.cold).collect();
        let quiet: Vec<&Sample> = warm.iter().copied().filter(|s| !s.loaded()).collect();
        if quiet.len() >= 2 && 2 * quiet.len() > warm.len() {
            quiet
        } else {
            warm
        }
    }

    /// Warm repetitions flagged as loaded: (dropped from the figures, kept because too few
    /// were quiet).
    pub fn loaded(&self) -> (usize, usize) {
        let warm = self.samples.iter().filter(|s| !s.cold).count();
        let loaded = self
            .samples
            .iter()
            .filter(|s| !s.cold && s.loaded())
            .count();
        let dropped = warm - self.used().len();
        (dropped, loaded - dropped)
    }

    fn spread_of(&self, f: impl Fn(&Sample) -> Option<f64>) -> Option<Spread> {
        let v: Vec<f64> = self.used().into_iter().filter_map(f).collect();
        Spread::of(&v)
    }

    /// Throughput of the repetitions used (see [`CalPoint::used`]).
    pub fn warm(&self) -> Option<Spread> {
        self.spread_of(|s| Some(s.throughput()))
    }

    /// Throughput of the cold first run, if one was recorded.
    pub fn cold(&self) -> Option<f64> {
        self.samples.iter().find(|s| s.cold).map(Sample::throughput)
    }

    /// Consume: time to form the group in the repetitions used, s.
    pub fn warm_join(&self) -> Option<Spread> {
        self.spread_of(|s| s.group_join_s)
    }

    /// Consume: time from the group's forming to the last record in the repetitions used, s.
    pub fn warm_after_join(&self) -> Option<Spread> {
        self.spread_of(|s| s.group_join_s.map(|j| s.wall_s - j))
    }

    /// Whether two or more consumers read records in the repetitions used (a group reading in
    /// parallel, not one member with the others idle).
    pub fn parallel(&self) -> bool {
        self.used()
            .iter()
            .any(|s| s.records_per_consumer.iter().filter(|&&n| n > 0).count() >= 2)
    }

    /// Mean wall time of the repetitions used (consume: including the group join), s.
    pub fn warm_wall_s(&self) -> Option<f64> {
        self.spread_of(|s| Some(s.wall_s)).map(|s| s.mean)
    }
}

/// Columns of `measurements.csv`, in order. `settings` is `key=value` pairs joined by `;`,
/// `records_per_consumer` counts joined by `;`; empty cells mean "none". Files written before
/// `load_1m` and `steal_s` were recorded (the first 15 columns) are read too.
pub const CSV_HEADER: [&str; 17] = [
    "point",
    "role",
    "phase",
    "consumers",
    "settings",
    "repetition",
    "cold",
    "records",
    "bytes",
    "wall_s",
    "first_record_s",
    "group_join_s",
    "records_per_consumer",
    "records_per_s",
    "records_per_s_after_join",
    "load_1m",
    "steal_s",
];

/// Columns of a `measurements.csv` without the machine's load.
const CSV_HEADER_WITHOUT_LOAD: usize = 15;

/// The points' samples as CSV bytes, one line per sample (a pure function).
pub fn measurements_csv(points: &[CalPoint]) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(CSV_HEADER).expect("write to Vec");
    let opt = |v: Option<f64>| v.map(|s| format!("{s:.6}")).unwrap_or_default();
    for p in points {
        let settings = p
            .settings
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(";");
        for s in &p.samples {
            w.write_record([
                p.name.clone(),
                p.role.to_string(),
                p.phase.to_string(),
                p.consumers.to_string(),
                settings.clone(),
                s.repetition.to_string(),
                s.cold.to_string(),
                s.records.to_string(),
                s.bytes.to_string(),
                format!("{:.6}", s.wall_s),
                opt(s.first_record_s),
                opt(s.group_join_s),
                s.records_per_consumer
                    .iter()
                    .map(u64::to_string)
                    .collect::<Vec<_>>()
                    .join(";"),
                format!("{:.1}", s.records_per_s()),
                format!("{:.1}", s.throughput()),
                opt(s.load_1m),
                opt(s.steal_s),
            ])
            .expect("write to Vec");
        }
    }
    w.into_inner().expect("flush to Vec")
}

/// A `measurements.csv` that cannot be read back.
#[derive(Debug, thiserror::Error)]
#[error("{path}: line {line}: {reason}")]
pub struct CsvError {
    /// The file.
    pub path: String,
    /// 1-based line (1 = header).
    pub line: u64,
    /// What is wrong and what is accepted.
    pub reason: String,
}

/// Reads `measurements.csv` text back into points (in order of first appearance).
pub fn parse_measurements_csv(text: &str, path: &str) -> Result<Vec<CalPoint>, CsvError> {
    let err = |line: u64, reason: String| CsvError {
        path: path.into(),
        line,
        reason,
    };
    let mut r = csv::ReaderBuilder::new().from_reader(text.as_bytes());
    let header = r
        .headers()
        .map_err(|e| err(1, e.to_string()))?
        .iter()
        .collect::<Vec<_>>();
    if header != CSV_HEADER && header != CSV_HEADER[..CSV_HEADER_WITHOUT_LOAD] {
        return Err(err(
            1,
            format!(
                "not a kafkasim measurements.csv: expected the header `{}`",
                CSV_HEADER.join(",")
            ),
        ));
    }
    let mut points: Vec<CalPoint> = Vec::new();
    for (i, row) in r.records().enumerate() {
        let line = i as u64 + 2;
        let row = row.map_err(|e| err(line, e.to_string()))?;
        let col = |c: usize| row.get(c).unwrap_or("");
        let num = |c: usize| -> Result<f64, CsvError> {
            // Times and rates: a finite number, not negative (a wall time must be above 0).
            let least = if CSV_HEADER[c] == "wall_s" {
                "above 0"
            } else {
                "≥ 0"
            };
            col(c)
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite() && (*v > 0.0 || (*v == 0.0 && least == "≥ 0")))
                .ok_or_else(|| {
                    err(
                        line,
                        format!(
                            "`{}` = {:?}: expected a number {least}",
                            CSV_HEADER[c],
                            col(c)
                        ),
                    )
                })
        };
        let int = |c: usize| -> Result<u64, CsvError> {
            col(c).parse::<u64>().map_err(|_| {
                err(
                    line,
                    format!(
                        "`{}` = {:?}: expected a whole number",
                        CSV_HEADER[c],
                        col(c)
                    ),
                )
            })
        };
        let opt = |c: usize| -> Result<Option<f64>, CsvError> {
            if col(c).is_empty() {
                Ok(None)
            } else {
                num(c).map(Some)
            }
        };
        let phase = match col(2) {
            "produce" => Phase::Produce,
            "consume" => Phase::Consume,
            o => {
                return Err(err(
                    line,
                    format!("`phase` = {o:?}: expected produce or consume"),
                ))
            }
        };
        let role = match col(1) {
            "fit" => Role::Fit,
            "held-out" => Role::HeldOut,
            o => {
                return Err(err(
                    line,
                    format!("`role` = {o:?}: expected fit or held-out"),
                ))
            }
        };
        let settings = col(4)
            .split(';')
            .filter(|s| !s.is_empty())
            .map(|kv| {
                kv.split_once('=')
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .ok_or_else(|| err(line, format!("`settings` item {kv:?}: expected key=value")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let per_consumer = col(12)
            .split(';')
            .filter(|s| !s.is_empty())
            .map(|n| {
                n.parse::<u64>().map_err(|_| {
                    err(
                        line,
                        format!("`records_per_consumer` item {n:?}: expected a whole number"),
                    )
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let sample = Sample {
            repetition: int(5)? as u32,
            cold: col(6) == "true",
            records: int(7)?,
            bytes: int(8)?,
            wall_s: num(9)?,
            first_record_s: opt(10)?,
            group_join_s: opt(11)?,
            records_per_consumer: per_consumer,
            load_1m: opt(15)?,
            steal_s: opt(16)?,
        };
        let name = col(0).to_string();
        match points.iter_mut().find(|p| p.name == name) {
            Some(p) => p.samples.push(sample),
            None => points.push(CalPoint {
                name,
                phase,
                consumers: int(3)? as u32,
                role,
                settings,
                samples: vec![sample],
            }),
        }
    }
    if points.is_empty() {
        return Err(err(1, "no measurement in the file".into()));
    }
    Ok(points)
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn sample(rep: u32, cold: bool, wall_s: f64, join: Option<f64>) -> Sample {
        Sample {
            repetition: rep,
            cold,
            records: 1000,
            bytes: 100_000,
            wall_s,
            first_record_s: Some(0.01),
            group_join_s: join,
            records_per_consumer: if join.is_some() {
                vec![600, 400]
            } else {
                vec![]
            },
            load_1m: None,
            steal_s: None,
        }
    }

    #[test]
    fn throughput_after_join_and_warm_spread() {
        let p = CalPoint {
            name: "a".into(),
            phase: Phase::Consume,
            consumers: 2,
            role: Role::HeldOut,
            settings: vec![("topic.partitions".into(), "2".into())],
            samples: vec![
                sample(0, true, 4.0, Some(3.0)),
                sample(1, false, 3.5, Some(3.0)),
                sample(2, false, 3.25, Some(3.0)),
            ],
        };
        assert_eq!(p.cold(), Some(1000.0));
        let w = p.warm().unwrap();
        assert_eq!((w.n, w.mean, w.min, w.max), (2, 3000.0, 2000.0, 4000.0));
        assert_eq!(p.setting("topic.partitions"), Some("2"));
        let text = String::from_utf8(measurements_csv(std::slice::from_ref(&p))).unwrap();
        assert!(text.starts_with(&CSV_HEADER.join(",")));
        let back = parse_measurements_csv(&text, "m.csv").unwrap();
        assert_eq!(back, vec![p]);
    }

    #[test]
    fn loaded_repetitions_are_dropped_only_when_the_quiet_ones_are_a_majority() {
        let stolen = |rep: u32, wall_s: f64, steal_s: f64| Sample {
            steal_s: Some(steal_s),
            load_1m: Some(1.2),
            ..sample(rep, false, wall_s, None)
        };
        // 1000 records: 1 s is 1000 rec/s; 0.2 s of steal over 2 s is 10% of a core (loaded),
        // 0.04 s over 1 s is 4% (quiet).
        let mut p = CalPoint {
            name: "p1/produce".into(),
            phase: Phase::Produce,
            consumers: 0,
            role: Role::Fit,
            settings: vec![],
            samples: vec![
                Sample {
                    steal_s: Some(5.0),
                    ..sample(0, true, 4.0, None)
                },
                stolen(0, 1.0, 0.04),
                stolen(1, 2.0, 0.2),
                stolen(2, 1.0, 0.0),
            ],
        };
        assert!(p.samples[2].loaded() && !p.samples[1].loaded());
        assert_eq!(p.loaded(), (1, 0));
        let w = p.warm().unwrap();
        assert_eq!(
            (w.n, w.mean),
            (2, 1000.0),
            "the loaded run is out of the mean"
        );
        assert_eq!(
            p.cold(),
            Some(250.0),
            "the cold run stays apart, loaded or not"
        );
        // Two loaded of three: the quiet one is no majority, so every warm run counts.
        p.samples[3].steal_s = Some(0.5);
        assert_eq!(p.loaded(), (0, 2));
        assert_eq!(p.warm().unwrap().n, 3);
        // The load is written and read back; a file without the two columns still reads.
        let text = String::from_utf8(measurements_csv(std::slice::from_ref(&p))).unwrap();
        assert_eq!(
            parse_measurements_csv(&text, "m.csv").unwrap(),
            vec![p.clone()]
        );
        let old: String = text
            .lines()
            .map(|l| l.rsplitn(3, ',').last().unwrap().to_string() + "\n")
            .collect();
        let back = parse_measurements_csv(&old, "old.csv").unwrap();
        assert!(back[0].samples.iter().all(|s| s.steal_s.is_none()));
        assert_eq!(
            back[0].warm().unwrap().n,
            3,
            "nothing is flagged without steal"
        );
    }

    #[test]
    fn a_foreign_csv_is_refused_with_the_expected_header() {
        let e = parse_measurements_csv("a,b\n1,2\n", "x.csv")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("x.csv: line 1") && e.contains("point,role,phase"),
            "{e}"
        );
    }

    #[test]
    fn negative_or_zero_times_are_refused_with_the_line() {
        let good = measurements_csv(&[CalPoint {
            name: "p1/produce".into(),
            phase: Phase::Produce,
            consumers: 0,
            role: Role::Fit,
            settings: vec![("topic.partitions".into(), "1".into())],
            samples: vec![sample(0, false, 0.5, None)],
        }]);
        let text = String::from_utf8(good).unwrap();
        assert!(parse_measurements_csv(&text, "m.csv").is_ok());
        for bad in ["-0.5", "0", "NaN", "inf"] {
            let t = text.replacen(",0.500000,", &format!(",{bad},"), 1);
            assert_ne!(t, text, "the wall time column was not found");
            let e = parse_measurements_csv(&t, "m.csv").unwrap_err().to_string();
            assert!(
                e.contains("m.csv: line 2") && e.contains("wall_s") && e.contains("above 0"),
                "{bad}: {e}"
            );
        }
    }
}
