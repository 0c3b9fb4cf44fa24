"""The small harnesses shipped with a generated project.

- ``snn_harness.c`` (hosted C99): reads samples from stdin, writes every step's outputs
  (and with mode 1 every probe, with ``u`` and ``v``) to stdout, all little-endian
  int32. Stdin: ``batch, steps, length, input_size, mode, analog_size`` (int32), then
  for every sample and step below ``length`` its ``input_size`` int32 payloads followed
  by its ``analog_size`` float64 analog inputs (handed to ``snn_set_analog``; steps past
  ``length`` get zero input). What the ``c`` backend runs on the host.
- ``snn_bench.c`` (freestanding): runs ``SNN_BENCH_STEPS`` steps of an input stored in
  flash and leaves the outputs' spike counts in ``snn_bench_counts``; what the
  instruction-set simulation runs (:mod:`snncompile.backends.c.mcu`).
"""

from __future__ import annotations

import numpy as np

from snncompile.backends.c.cexpr import const_array

HOST_HARNESS = """\
/* Host harness for the generated network (see snn_model.h): stdin -> stdout, int32. */
#include <stdio.h>
#include <stdlib.h>
#include "snn_model.h"

static int read_all(void *dst, size_t size, size_t n) { return fread(dst, size, n, stdin) == n; }

static void put(const int32_t *x, uint32_t n) {
    if (fwrite(x, sizeof(int32_t), n, stdout) != n) exit(3);
}

int main(void) {
    int32_t head[6];
    if (!read_all(head, sizeof(int32_t), 6) || head[3] != (int32_t)SNN_INPUT_SIZE
        || head[5] != (int32_t)SNN_ANALOG_SIZE) {
        fprintf(stderr, "snn_harness: bad header\\n");
        return 2;
    }
    const uint32_t batch = (uint32_t)head[0], steps = (uint32_t)head[1], length = (uint32_t)head[2];
    const int mode = head[4];
    /* variables, not the macros: a size of 0 would make the loops' tests constant (a warning) */
    const uint32_t n_in = SNN_INPUT_SIZE, n_analog = SNN_ANALOG_SIZE;
    uint32_t widest = SNN_INPUT_SIZE + SNN_OUTPUT_SIZE + 1u;
    for (uint32_t k = 0; k < SNN_N_PROBES; k++) if (snn_probes[k].size > widest) widest = snn_probes[k].size;
    int32_t *in = calloc(SNN_INPUT_SIZE + 1u, sizeof(int32_t));
    int32_t *buf = calloc(3u * widest, sizeof(int32_t));
    double *analog = calloc(SNN_ANALOG_SIZE + 1u, sizeof(double));
    if (!in || !buf || !analog) return 4;
    for (uint32_t b = 0; b < batch; b++) {
        snn_reset();
        for (uint32_t t = 0; t < steps; t++) {
            if (t < length) {
                if (!read_all(in, sizeof(int32_t), SNN_INPUT_SIZE) || !read_all(analog, sizeof(double), SNN_ANALOG_SIZE)) {
                    fprintf(stderr, "snn_harness: short input\\n");
                    return 2;
                }
            } else {
                for (uint32_t i = 0; i < n_in; i++) in[i] = 0;
                for (uint32_t i = 0; i < n_analog; i++) analog[i] = 0.0;
            }
#if SNN_ANALOG_SIZE > 0
            if (t <= length) snn_set_analog(analog);
#endif
            snn_step(in);
            snn_read_outputs(buf);
            put(buf, SNN_OUTPUT_SIZE);
            if (mode == 1) {
                for (uint32_t k = 0; k < SNN_N_PROBES; k++) {
                    const uint32_t n = snn_probes[k].size;
                    snn_read_probe(k, buf, buf + n, buf + 2u * n);
                    put(buf, snn_probes[k].kind == 1u ? 3u * n : n);
                }
            }
        }
    }
    free(in);
    free(buf);
    free(analog);
    return 0;
}
"""

BENCH_TEMPLATE = """\
/* Freestanding benchmark: {steps} steps of one stored input sample (no I/O). The
 * instruction-set simulation calls snn_bench_main() and counts the instructions of
 * every snn_step() call. */
#include "snn_model.h"

#define SNN_BENCH_STEPS {steps}u
{table}

int32_t snn_bench_counts[SNN_OUTPUT_SIZE + 1u];
static int32_t snn_bench_in[SNN_INPUT_SIZE + 1u];
static int32_t snn_bench_out[SNN_OUTPUT_SIZE + 1u];

void snn_bench_main(void) {{
    snn_reset();
    for (uint32_t t = 0; t < SNN_BENCH_STEPS; t++) {{
        for (uint32_t i = 0; i < SNN_INPUT_SIZE; i++) snn_bench_in[i] = snn_bench_input[t][i];
        snn_step(snn_bench_in);
        snn_read_outputs(snn_bench_out);
        for (uint32_t i = 0; i < SNN_OUTPUT_SIZE; i++) snn_bench_counts[i] += snn_bench_out[i];
    }}
}}
"""


def bench_source(inputs: np.ndarray) -> str:
    """The benchmark for one sample's input (steps, input size), stored narrow."""
    x = np.asarray(inputs, np.int64).reshape(inputs.shape[0], -1)
    ctype = "int8_t" if x.size == 0 or (x.min() >= -128 and x.max() <= 127) else "int32_t"
    table = const_array(ctype, "snn_bench_input", x).replace("static const", "static const", 1)
    return BENCH_TEMPLATE.format(steps=x.shape[0], table=table)
