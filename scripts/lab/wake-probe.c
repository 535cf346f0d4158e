// How long a thread blocked in read() takes to run after another vCPU writes to its pipe, as a
// function of how long both slept before (scripts/lab/wake-probe.sh runs it). Thread A (vCPU 0)
// sleeps g µs, notes the time and writes one byte; thread B (vCPU 1), blocked in read(), notes
// when it runs and answers on a second pipe. Prints one line of key=value: the latency's
// percentiles, the share of wake-ups later than 1 ms, and B's CPU time per wake-up.
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static int ping[2], pong[2];
static long n;
static volatile long sent_ns;
static long *latency_ns;
static long b_cpu_ns;

static long clock_ns(clockid_t c) {
  struct timespec t;
  clock_gettime(c, &t);
  return t.tv_sec * 1000000000L + t.tv_nsec;
}

static void pin(pthread_t t, int cpu) {
  cpu_set_t s;
  CPU_ZERO(&s);
  CPU_SET(cpu, &s);
  if (pthread_setaffinity_np(t, sizeof s, &s)) exit(3);
}

static void *woken(void *unused) {
  char c;
  long cpu0 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
  for (long i = 0; i < n; i++) {
    if (read(ping[0], &c, 1) != 1) exit(4);
    latency_ns[i] = clock_ns(CLOCK_MONOTONIC) - sent_ns;
    if (write(pong[1], &c, 1) != 1) exit(4);
  }
  b_cpu_ns = clock_ns(CLOCK_THREAD_CPUTIME_ID) - cpu0;
  return unused;
}

static int by_value(const void *a, const void *b) {
  long x = *(const long *)a, y = *(const long *)b;
  return (x > y) - (x < y);
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: wake-probe SLEEP_US COUNT\n");
    return 2;
  }
  long sleep_us = atol(argv[1]);
  n = atol(argv[2]);
  if (sleep_us < 0 || n < 1000) {
    fprintf(stderr, "wake-probe: SLEEP_US >= 0 and COUNT >= 1000\n");
    return 2;
  }
  latency_ns = malloc(n * sizeof *latency_ns);
  if (!latency_ns || pipe(ping) || pipe(pong)) return 3;
  pthread_t b;
  if (pthread_create(&b, 0, woken, 0)) return 3;
  pin(pthread_self(), 0);
  pin(b, 1);
  struct timespec gap = {sleep_us / 1000000, (sleep_us % 1000000) * 1000};
  char c = 'x';
  for (long i = 0; i < n; i++) {
    if (sleep_us) nanosleep(&gap, 0);
    sent_ns = clock_ns(CLOCK_MONOTONIC);
    if (write(ping[1], &c, 1) != 1 || read(pong[0], &c, 1) != 1) return 4;
  }
  pthread_join(b, 0);
  qsort(latency_ns, n, sizeof *latency_ns, by_value);
  long late = 0;
  for (long i = 0; i < n; i++) late += latency_ns[i] > 1000000;
  printf("sleep_us=%ld count=%ld p50_us=%.1f p90_us=%.1f p99_us=%.1f p999_us=%.1f max_us=%.1f "
         "over_1ms_ppm=%ld woken_cpu_us=%.1f\n",
         sleep_us, n, latency_ns[n / 2] / 1e3, latency_ns[n * 9 / 10] / 1e3,
         latency_ns[n * 99 / 100] / 1e3, latency_ns[n * 999 / 1000] / 1e3, latency_ns[n - 1] / 1e3,
         late * 1000000 / n, b_cpu_ns / 1e3 / n);
  return 0;
}
