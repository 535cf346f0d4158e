//! Sweeps split over machines. `run --shard I/N` runs jobs I−1, I−1+N, I−1+2N, … of the sweep
//! (jobs are points × seeds in grid order, see [`super::jobs`]; taking every N-th spreads
//! expensive points over the shards) and writes them with the scenario as run into a shard
//! file; `merge` checks that the shards are one complete set and assembles the outputs a
//! single machine would have written, byte for byte. A run is deterministic from its
//! configuration and seed, so where it ran changes nothing.

use super::{assemble, job_count, sweep_points, Outcome, RunOutput};
use crate::scenario::omb::OmbShape;
use crate::scenario::wire::ScenarioWire;
use crate::scenario::Scenario;
use serde::{Deserialize, Serialize};

/// First bytes of a shard file (then CBOR, RFC 8949).
pub const MAGIC: &[u8] = b"kafkasim shard 1\n";

/// Shard I of N (1 ≤ I ≤ N).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    /// I, from 1.
    pub index: u32,
    /// N.
    pub count: u32,
}

/// Most shards a sweep may be split into (a sweep has at most 10^6 runs).
pub const MAX_SHARDS: u32 = 1_000_000;

impl std::str::FromStr for Shard {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || {
            format!("`{s}`: accepted is I/N with 1 ≤ I ≤ N ≤ {MAX_SHARDS} (shard I of N, from 1: --shard 1/4 … --shard 4/4)")
        };
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let (index, count) = (
            i.trim().parse::<u32>().map_err(|_| bad())?,
            n.trim().parse::<u32>().map_err(|_| bad())?,
        );
        if index == 0 || index > count || count > MAX_SHARDS {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

impl Shard {
    /// Its jobs among `total`.
    pub fn jobs(self, total: usize) -> Vec<usize> {
        (self.index as usize - 1..total)
            .step_by(self.count as usize)
            .collect()
    }

    /// Its file's name: `shard-I-of-N.shard`.
    pub fn file_name(self) -> String {
        format!("shard-{}-of-{}.shard", self.index, self.count)
    }
}

/// What one shard ran.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
pub struct ShardFile {
    /// The kafkasim version that wrote it (merge takes shards of its own version only).
    pub kafkasim: String,
    /// Which shard.
    pub shard: Shard,
    /// The scenario as run (every flag applied).
    pub scenario: ScenarioWire,
    /// The OpenMessaging Benchmark workload's shape (runs from --omb-workload).
    pub omb: Option<OmbShape>,
    /// Jobs in the whole sweep.
    pub jobs_total: u64,
    /// Its jobs' outputs by job number; a run over its budget as its error message.
    pub outputs: Vec<(u64, Result<RunOutput, String>)>,
}

impl ShardFile {
    /// [`MAGIC`] then the file as CBOR.
    pub fn write(&self, w: &mut dyn std::io::Write) -> std::io::Result<()> {
        w.write_all(MAGIC)?;
        ciborium::into_writer(self, w).map_err(|e| std::io::Error::other(e.to_string()))
    }

    /// Read a shard file's bytes.
    pub fn read(bytes: &[u8]) -> Result<Self, String> {
        let body = bytes
            .strip_prefix(MAGIC)
            .ok_or("not a kafkasim shard file (written by `kafkasim run --shard I/N`)")?;
        let file: Self =
            ciborium::from_reader(body).map_err(|e| format!("damaged shard file: {e}"))?;
        let Shard { index, count } = file.shard;
        if index == 0 || index > count || count > MAX_SHARDS {
            return Err(format!(
                "damaged shard file: it says it is shard {index}/{count}"
            ));
        }
        Ok(file)
    }
}

/// A sweep put together from its shards.
pub struct Merged {
    /// The scenario as the shards ran it.
    pub scenario: Scenario,
    /// Its OpenMessaging Benchmark shape, if from a workload.
    pub omb: Option<OmbShape>,
    /// Its points and failures, as one machine's run gives them.
    pub outcome: Outcome<String>,
}

/// Join `shards` (each with the name it is reported by): one complete set of one sweep, from
/// this kafkasim version. Errors name the file and what is wrong.
pub fn merge(shards: Vec<(String, ShardFile)>) -> Result<Merged, String> {
    let version = env!("CARGO_PKG_VERSION");
    let Some((first_name, first)) = shards.first() else {
        return Err("no shard files given".into());
    };
    let count = first.shard.count;
    for (name, s) in &shards {
        if s.kafkasim != version {
            return Err(format!(
                "{name}: written by kafkasim {}; this is kafkasim {version} (run every shard with one version)",
                s.kafkasim
            ));
        }
        if s.shard.count != count
            || s.scenario != first.scenario
            || s.omb != first.omb
            || s.jobs_total != first.jobs_total
        {
            return Err(format!(
                "{name} is shard {}/{} of another sweep than {first_name} (shard {}/{count}): every shard must come from one command with only --shard changed",
                s.shard.index, s.shard.count, first.shard.index
            ));
        }
    }
    let mut seen: Vec<Option<&str>> = vec![None; count as usize];
    for (name, s) in &shards {
        if let Some(other) = seen[s.shard.index as usize - 1].replace(name) {
            return Err(format!(
                "{name} and {other} are both shard {}/{count}",
                s.shard.index
            ));
        }
    }
    let missing: Vec<String> = (seen.iter().enumerate())
        .filter(|(_, s)| s.is_none())
        .map(|(i, _)| format!("{}/{count}", i + 1))
        .collect();
    if !missing.is_empty() {
        return Err(format!(
            "shard(s) {} missing (given {} of {count})",
            missing.join(", "),
            count as usize - missing.len()
        ));
    }
    let first_name = first_name.clone();
    let omb = first.omb.clone();
    let scenario = Scenario::try_from(first.scenario.clone())
        .map_err(|e| format!("{first_name}: its scenario cannot be read back: {e}"))?;
    let points = sweep_points(&scenario).map_err(|e| format!("{first_name}: {e}"))?;
    let total = job_count(&points);
    if total as u64 != first.jobs_total {
        return Err(format!(
            "{first_name}: the sweep has {total} runs here, {} where the shards ran",
            first.jobs_total
        ));
    }
    let mut outs: Vec<Option<Result<RunOutput, String>>> = (0..total).map(|_| None).collect();
    for (name, s) in shards {
        let expected = s.shard.jobs(total);
        let got: Vec<usize> = s.outputs.iter().map(|(j, _)| *j as usize).collect();
        if got != expected {
            return Err(format!(
                "{name}: holds runs {got:?}, not the runs of shard {}/{count}",
                s.shard.index
            ));
        }
        for (job, out) in s.outputs {
            outs[job as usize] = Some(out);
        }
    }
    let outcome = assemble(
        points,
        outs.into_iter().map(|o| o.expect("every job checked")),
    );
    Ok(Merged {
        scenario,
        omb,
        outcome,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shard_file_reads_back_to_the_same_bytes() {
        // Long texts (describe views of 300 partitions), series, violations: everything a run
        // keeps goes through CBOR and comes back unchanged.
        let text = "[topic]\npartitions = 300\n[producer]\nrecords = 3000\n\
                    [run]\ndescribe_at_ms = \"1000,2000\"\n";
        let sc = Scenario::parse(text, "shard-test.toml").unwrap();
        let points = sweep_points(&sc).unwrap();
        let outs = super::super::run_jobs(&sc, &points, &[0], 1, &|_, _| {});
        let file = ShardFile {
            kafkasim: env!("CARGO_PKG_VERSION").into(),
            shard: Shard { index: 1, count: 1 },
            scenario: (&sc).into(),
            omb: None,
            jobs_total: 1,
            outputs: outs
                .into_iter()
                .map(|(j, o)| (j as u64, o.map_err(|e| e.to_string())))
                .collect(),
        };
        let describes = &file.outputs[0].1.as_ref().unwrap().describes;
        assert!(
            describes.iter().any(|d| d.len() > 10_000),
            "long describe views"
        );
        let mut bytes = vec![];
        file.write(&mut bytes).unwrap();
        let back = ShardFile::read(&bytes).unwrap();
        let mut again = vec![];
        back.write(&mut again).unwrap();
        assert!(bytes == again, "the shard file changed on its way back");
        assert!(
            ShardFile::read(&bytes[..bytes.len() - 1]).is_err(),
            "a cut file is refused"
        );
        // A file claiming an impossible place in its sweep is refused, not indexed with.
        for (index, count) in [(0, 3), (4, 3), (1, 0)] {
            let mut bad = ShardFile::read(&bytes).unwrap();
            bad.shard = Shard { index, count };
            let mut b = vec![];
            bad.write(&mut b).unwrap();
            let e = ShardFile::read(&b).unwrap_err();
            assert!(e.contains(&format!("{index}/{count}")), "{e}");
        }
    }

    #[test]
    fn shards_split_the_jobs_round_robin() {
        let s = |t: &str| t.parse::<Shard>();
        assert_eq!(s("2/3").unwrap().jobs(8), vec![1, 4, 7]);
        assert_eq!(s("5/5").unwrap().jobs(3), Vec::<usize>::new());
        for bad in ["0/3", "4/3", "3", "a/b", "1/0", "1/2000000"] {
            assert!(s(bad).unwrap_err().contains(bad), "{bad}");
        }
    }
}
