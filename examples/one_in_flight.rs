//! One record per request, one request in flight: the cycle of rdkafka's `BaseProducer`
//! against a running broker, driven three ways, to tell the client's cost from the driver's.
//!
//! ```text
//! cargo run --release --features calibrate --example one_in_flight -- BOOTSTRAP TOPIC RECORDS MODE
//! ```
//!
//! MODE: `plain` sends every record, polling every 1,024, then flushes (as `kafkasim calibrate`
//! drives its one-in-flight point); `warm` first sends and flushes 100 untimed records (as
//! scripts/lab/client.py does); `spin` waits for the deliveries polling 1 ms at a time (the
//! application thread keeps a vCPU busy). Records of 100 bytes, acks=all, `linger.ms` 0,
//! `batch.num.messages` 1, `max.in.flight` 1. Prints the mean cycle, µs a record. Used for
//! lab/regimes.md (flush-disk) on 2026-12-03. Create TOPIC first and warm the broker's JIT as
//! scripts/lab/one-in-flight.sh does (430,000 records): on a cold broker the cycle is several
//! times longer.

use rdkafka::config::ClientConfig;
use rdkafka::producer::{BaseProducer, BaseRecord, DefaultProducerContext, Producer};
use std::process::ExitCode;
use std::time::{Duration, Instant};

fn cycle_us(bootstrap: &str, topic: &str, records: u64, mode: &str) -> Result<f64, String> {
    let producer: BaseProducer<DefaultProducerContext> = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("linger.ms", "0")
        .set("batch.num.messages", "1")
        .set("max.in.flight.requests.per.connection", "1")
        .set("acks", "all")
        .create()
        .map_err(|e| format!("creating the producer: {e}"))?;
    producer
        .client()
        .fetch_metadata(Some(topic), Duration::from_secs(10))
        .map_err(|e| format!("metadata of topic {topic}: {e}"))?;
    let value = [7u8; 100];
    let send = |n: u64| {
        for i in 0..n {
            let mut record = BaseRecord::<[u8], [u8]>::to(topic).payload(&value[..]);
            while let Err((_, back)) = producer.send(record) {
                record = back;
                producer.poll(Duration::from_millis(1));
            }
            if i % 1024 == 1023 {
                producer.poll(Duration::ZERO);
            }
        }
    };
    if mode == "warm" {
        send(100);
        producer
            .flush(Duration::from_secs(10))
            .map_err(|e| format!("warm-up flush: {e}"))?;
    }
    let start = Instant::now();
    send(records);
    while producer.in_flight_count() > 0 {
        if mode == "spin" {
            producer.poll(Duration::from_millis(1));
        } else {
            let _ = producer.flush(Duration::from_millis(100));
        }
        if start.elapsed() > Duration::from_secs(120) {
            return Err("records not delivered within 120 s".into());
        }
    }
    Ok(start.elapsed().as_secs_f64() * 1e6 / records as f64)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: one_in_flight BOOTSTRAP TOPIC RECORDS plain|warm|spin";
    let [bootstrap, topic, records, mode] = args.as_slice() else {
        eprintln!("{usage}");
        return ExitCode::from(2);
    };
    let Some(records) = records.parse::<u64>().ok().filter(|&n| n > 0) else {
        eprintln!("RECORDS must be a positive integer, got {records:?}; {usage}");
        return ExitCode::from(2);
    };
    if !["plain", "warm", "spin"].contains(&mode.as_str()) {
        eprintln!("MODE must be plain, warm or spin, got {mode:?}; {usage}");
        return ExitCode::from(2);
    }
    match cycle_us(bootstrap, topic, records, mode) {
        Ok(us) => {
            println!("mode={mode} cycle_us={us:.1}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("one_in_flight: {e}");
            ExitCode::FAILURE
        }
    }
}
