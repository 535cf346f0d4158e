//! `cargo bench --bench throughput`: wall time of the classroom experiment (135 runs) and the
//! simulation speed on a batch-heavy scenario, in simulated records and events per wall second.
//! Each case runs 5 times; the median is reported with the machine's core count (these
//! machines are noisy: compare ratios, not absolute figures).

use kafkasim::experiment::{run, simulate};

/// As in the binary: the memory budget counts each run's bytes (its cost is part of the speed).
#[global_allocator]
static ALLOC: kafkasim::engine::memory::CountingAlloc = kafkasim::engine::memory::CountingAlloc;

use kafkasim::scenario::Scenario;
use std::time::Instant;

const HEAVY: &str = r#"
name = "batch-heavy"
[topic]
partitions = 8
[producer]
records = 10000000
"batch.size" = 262144
"linger.ms" = 20
send_cpu_us_per_record = 0.1
[consumer]
count = 8
"auto.offset.reset" = "earliest"
poll_cpu_us_per_record = 0.05
[broker]
"group.initial.rebalance.delay.ms" = 0
[host]
cores = 64
"#;

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(|a, b| a.partial_cmp(b).unwrap());
    xs[xs.len() / 2]
}

fn main() {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!("machine: {cores} cores");
    let exp = Scenario::load(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/partitions-experiment.toml"
    ))
    .unwrap();
    for threads in [1, 0] {
        let t = median(
            (0..5)
                .map(|_| {
                    let t0 = Instant::now();
                    run(&exp, threads).unwrap();
                    t0.elapsed().as_secs_f64()
                })
                .collect(),
        );
        println!(
            "partitions experiment (27 points x 5 seeds), threads={}: {t:.3} s wall (median of 5)",
            if threads == 0 { cores } else { 1 }
        );
    }
    let sc = Scenario::parse(HEAVY, "batch-heavy").unwrap();
    let (_, cfg) = sc.resolve_all().unwrap().remove(0);
    let mut rates = vec![];
    let mut events = vec![];
    for seed in 1..=5 {
        let t0 = Instant::now();
        let out = simulate(&cfg, seed).unwrap();
        let s = t0.elapsed().as_secs_f64();
        rates.push((out.summary.records_produced + out.summary.records_consumed) as f64 / 2.0 / s);
        events.push(out.summary.events as f64 / s);
    }
    println!("batch-heavy (10M records produced and consumed, one core): {:.1} M records/s, {:.0} k events/s (median of 5)", median(rates) / 1e6, median(events) / 1e3);
    let sc = Scenario::parse(&many_topics(), "many-topics").unwrap();
    let (_, cfg) = sc.resolve_all().unwrap().remove(0);
    let t = median(
        (1..=5)
            .map(|seed| {
                let t0 = Instant::now();
                simulate(&cfg, seed).unwrap();
                t0.elapsed().as_secs_f64()
            })
            .collect(),
    );
    println!("many topics (50 topics x 100 partitions, 50 producers, 20 groups of 4): {t:.3} s wall (median of 5)");
}

/// 50 topics of 100 partitions on 3 brokers, a producer of 2,000 records per topic, and 20
/// groups of 4 consumers, each subscribed to 5 topics.
fn many_topics() -> String {
    let mut s = String::from(
        "name = \"many-topics\"\nclient = \"java\"\n[cluster]\nbrokers = 3\nlayout = \"dedicated\"\n\
         [producer]\nrecords = 2000\nkeys = \"random\"\n[consumer]\n\"auto.offset.reset\" = \"earliest\"\n",
    );
    for t in 0..50 {
        s += &format!("[[topics]]\nname = \"topic-{t:02}\"\npartitions = 100\n");
        s += &format!("[[producers]]\ntopic = \"topic-{t:02}\"\n");
    }
    for g in 0..20 {
        let topics: Vec<String> = (0..5)
            .map(|i| format!("\"topic-{:02}\"", (g * 5 + i) % 50))
            .collect();
        s += &format!(
            "[[groups]]\n\"group.id\" = \"g{g}\"\ncount = 4\ntopics = [{}]\n",
            topics.join(", ")
        );
    }
    s
}
