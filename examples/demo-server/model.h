/* SPDX-License-Identifier: MIT */
/* A 2-layer MLP (inputs -> ReLU hidden -> softmax outputs) and its weights file. */
#ifndef DEMO_MODEL_H
#define DEMO_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Weights file (docs/demo.md), all little-endian:
 *   0  char[8]  magic "MSLATMLP"
 *   8  u32      version (1)
 *  12  u32      n_in, n_hidden, n_out
 *  24  u32[2]   reserved, zero
 *  32  f32      w1[n_hidden][n_in], b1[n_hidden], w2[n_out][n_hidden], b2[n_out]
 */
#define MODEL_MAGIC "MSLATMLP"
#define MODEL_VERSION 1
#define MODEL_HEADER_BYTES 32

/* Bounds checked before anything is allocated: the file is input. */
#define MODEL_INPUTS_MAX 1024
#define MODEL_HIDDEN_MAX 4096
#define MODEL_OUTPUTS_MAX 64

/* The shape --write-weights produces and testdata/model/mlp.bin has. */
#define MODEL_DEFAULT_INPUTS 64
#define MODEL_DEFAULT_HIDDEN 128
#define MODEL_DEFAULT_OUTPUTS 10

struct model;

struct prediction {
	unsigned cls;			/* argmax */
	unsigned n_out;
	float probs[MODEL_OUTPUTS_MAX];
};

/*
 * Read and validate the weights file at path. The file stays open for
 * model__check_file(). Returns NULL and sets errno on failure (EPROTO: bad
 * magic, ENOTSUP: other version, EBADMSG: bad dimensions, size or values),
 * with a reason in err[0..err_len).
 */
struct model *model__load(const char *path, char *err, size_t err_len);
void model__free(struct model *m);

unsigned model__n_in(const struct model *m);
unsigned model__n_hidden(const struct model *m);
unsigned model__n_out(const struct model *m);

/* Run the network on x[n_in]. Thread-safe: the model is read-only. */
void model__predict(const struct model *m, const float *x, struct prediction *out);

/* Fill x[n_in] with inputs in [-1, 1) derived from seed, for GET /predict?seed=N. */
void model__input_from_seed(const struct model *m, uint64_t seed, float *x);

/*
 * Re-read the weights file from storage, not from the page cache, and compare
 * it with what was loaded. Returns 0 when unchanged, 1 when it changed, or a
 * negative errno.
 */
int model__check_file(struct model *m);

/*
 * Write a weights file of the default shape with values from a seeded
 * generator: the same seed gives the same bytes on every machine. Refuses an
 * existing file unless force. Returns 0 or a negative errno.
 */
int model__write_weights(const char *path, uint64_t seed, bool force);

#endif /* DEMO_MODEL_H */
