// SPDX-License-Identifier: MIT
/* The MLP: weights file reading, validation and writing, and the forward pass. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "model.h"

struct model {
	unsigned n_in, n_hidden, n_out;
	float *params;		/* one block: w1, b1, w2, b2 */
	const float *w1, *b1, *w2, *b2;
	int fd;			/* kept open for model__check_file() */
	size_t file_bytes;
	uint64_t file_hash;
};

/* splitmix64: tiny, well mixed, and the same sequence everywhere. */
static uint64_t splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in [-1, 1) with 24 random bits, so the value is exact in a float. */
static double uniform_pm1(uint64_t *state)
{
	return (double)(splitmix64(state) >> 40) * 0x1p-23 - 1.0;
}

static uint64_t fnv1a(const unsigned char *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

static uint32_t get_le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put_le32(unsigned char *p, uint32_t v)
{
	p[0] = v;
	p[1] = v >> 8;
	p[2] = v >> 16;
	p[3] = v >> 24;
}

static size_t param_count(size_t n_in, size_t n_hidden, size_t n_out)
{
	return n_hidden * n_in + n_hidden + n_out * n_hidden + n_out;
}

static size_t file_size_for(size_t n_in, size_t n_hidden, size_t n_out)
{
	return MODEL_HEADER_BYTES + 4 * param_count(n_in, n_hidden, n_out);
}

/* Read up to n bytes; short only at end of file. Returns the count or a negative errno. */
static ssize_t read_full(int fd, unsigned char *buf, size_t n, off_t off, bool positional)
{
	size_t done = 0;

	while (done < n) {
		ssize_t r = positional ? pread(fd, buf + done, n - done, off + (off_t)done)
				       : read(fd, buf + done, n - done);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			break;
		done += r;
	}
	return done;
}

static void set_err(char *err, size_t err_len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, err_len, fmt, ap);
	va_end(ap);
}

/* Check the header against the file's size; sets dims in m. Returns 0 or a negative errno. */
static int parse_header(struct model *m, const unsigned char *buf, size_t n,
			char *err, size_t err_len)
{
	uint32_t version, n_in, n_hidden, n_out;
	size_t want;

	if (n < MODEL_HEADER_BYTES) {
		set_err(err, err_len, "file too short (%zu bytes) for a weights file", n);
		return -EBADMSG;
	}
	if (memcmp(buf, MODEL_MAGIC, 8) != 0) {
		set_err(err, err_len, "bad magic: not an MLP weights file");
		return -EPROTO;
	}
	version = get_le32(buf + 8);
	if (version != MODEL_VERSION) {
		set_err(err, err_len, "weights format version %u, this server reads version %u",
			version, MODEL_VERSION);
		return -ENOTSUP;
	}
	n_in = get_le32(buf + 12);
	n_hidden = get_le32(buf + 16);
	n_out = get_le32(buf + 20);
	if (n_in < 1 || n_in > MODEL_INPUTS_MAX || n_hidden < 1 || n_hidden > MODEL_HIDDEN_MAX ||
	    n_out < 2 || n_out > MODEL_OUTPUTS_MAX || get_le32(buf + 24) || get_le32(buf + 28)) {
		set_err(err, err_len, "bad header: dimensions %ux%ux%u or reserved fields",
			n_in, n_hidden, n_out);
		return -EBADMSG;
	}
	want = file_size_for(n_in, n_hidden, n_out);
	if (n != want) {
		set_err(err, err_len, "size %zu bytes, but dimensions %ux%ux%u need %zu",
			n, n_in, n_hidden, n_out, want);
		return -EBADMSG;
	}
	m->n_in = n_in;
	m->n_hidden = n_hidden;
	m->n_out = n_out;
	return 0;
}

static int parse_params(struct model *m, const unsigned char *buf, char *err, size_t err_len)
{
	size_t count = param_count(m->n_in, m->n_hidden, m->n_out);

	m->params = malloc(count * sizeof(float));
	if (!m->params) {
		set_err(err, err_len, "%s", strerror(ENOMEM));
		return -ENOMEM;
	}
	for (size_t i = 0; i < count; i++) {
		uint32_t bits = get_le32(buf + MODEL_HEADER_BYTES + 4 * i);
		float v;

		memcpy(&v, &bits, sizeof(v));
		if (!isfinite(v)) {
			set_err(err, err_len, "parameter %zu is not a finite number", i);
			return -EBADMSG;
		}
		m->params[i] = v;
	}
	m->w1 = m->params;
	m->b1 = m->w1 + (size_t)m->n_hidden * m->n_in;
	m->w2 = m->b1 + m->n_hidden;
	m->b2 = m->w2 + (size_t)m->n_out * m->n_hidden;
	return 0;
}

struct model *model__load(const char *path, char *err, size_t err_len)
{
	size_t max_bytes = file_size_for(MODEL_INPUTS_MAX, MODEL_HIDDEN_MAX, MODEL_OUTPUTS_MAX);
	unsigned char *buf = NULL;
	struct model *m;
	struct stat st;
	ssize_t n;
	int ret;

	m = calloc(1, sizeof(*m));
	if (!m) {
		set_err(err, err_len, "%s", strerror(ENOMEM));
		errno = ENOMEM;
		return NULL;
	}
	m->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (m->fd < 0 || fstat(m->fd, &st)) {
		ret = -errno;
		set_err(err, err_len, "%s", strerror(-ret));
		goto err_free;
	}
	if (!S_ISREG(st.st_mode) || st.st_size < 0 || (size_t)st.st_size > max_bytes) {
		ret = -EBADMSG;
		set_err(err, err_len, "not a regular file of at most %zu bytes", max_bytes);
		goto err_free;
	}
	/* One byte more than fstat said, so a file that grew is caught too. */
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		ret = -ENOMEM;
		set_err(err, err_len, "%s", strerror(ENOMEM));
		goto err_free;
	}
	n = read_full(m->fd, buf, (size_t)st.st_size + 1, 0, false);
	if (n < 0) {
		ret = n;
		set_err(err, err_len, "%s", strerror(-ret));
		goto err_free;
	}
	ret = parse_header(m, buf, n, err, err_len);
	if (!ret)
		ret = parse_params(m, buf, err, err_len);
	if (ret)
		goto err_free;
	m->file_bytes = n;
	m->file_hash = fnv1a(buf, n);
	free(buf);
	return m;

err_free:
	free(buf);
	model__free(m);
	errno = -ret;
	return NULL;
}

void model__free(struct model *m)
{
	if (!m)
		return;
	if (m->fd >= 0)
		close(m->fd);
	free(m->params);
	free(m);
}

unsigned model__n_in(const struct model *m)
{
	return m->n_in;
}

unsigned model__n_hidden(const struct model *m)
{
	return m->n_hidden;
}

unsigned model__n_out(const struct model *m)
{
	return m->n_out;
}

void model__predict(const struct model *m, const float *x, struct prediction *out)
{
	float h[MODEL_HIDDEN_MAX], z[MODEL_OUTPUTS_MAX];
	float max, sum = 0;
	unsigned best = 0;

	for (unsigned j = 0; j < m->n_hidden; j++) {
		const float *row = m->w1 + (size_t)j * m->n_in;
		float acc = m->b1[j];

		for (unsigned i = 0; i < m->n_in; i++)
			acc += row[i] * x[i];
		h[j] = acc > 0 ? acc : 0;
	}
	for (unsigned k = 0; k < m->n_out; k++) {
		const float *row = m->w2 + (size_t)k * m->n_hidden;
		float acc = m->b2[k];

		for (unsigned j = 0; j < m->n_hidden; j++)
			acc += row[j] * h[j];
		z[k] = acc;
	}
	for (unsigned k = 1; k < m->n_out; k++)
		if (z[k] > z[best])
			best = k;
	/* Subtracting the max keeps expf() from overflowing on large logits. */
	max = z[best];
	for (unsigned k = 0; k < m->n_out; k++) {
		out->probs[k] = expf(z[k] - max);
		sum += out->probs[k];
	}
	for (unsigned k = 0; k < m->n_out; k++)
		out->probs[k] /= sum;
	out->cls = best;
	out->n_out = m->n_out;
}

void model__input_from_seed(const struct model *m, uint64_t seed, float *x)
{
	uint64_t state = seed;

	for (unsigned i = 0; i < m->n_in; i++)
		x[i] = (float)uniform_pm1(&state);
}

int model__check_file(struct model *m)
{
	unsigned char *buf;
	ssize_t n;
	int ret;

	/*
	 * Drop the file's cached pages so the read goes to storage, as the first
	 * read after a deploy or under memory pressure does. Only advice: if it
	 * fails the read is merely warm.
	 */
	(void)posix_fadvise(m->fd, 0, 0, POSIX_FADV_DONTNEED);

	buf = malloc(m->file_bytes + 1);
	if (!buf)
		return -ENOMEM;
	n = read_full(m->fd, buf, m->file_bytes + 1, 0, true);
	if (n < 0)
		ret = n;
	else
		ret = (size_t)n != m->file_bytes || fnv1a(buf, n) != m->file_hash;
	free(buf);
	return ret;
}

/* Uniform values in [-scale, scale), stored little-endian at *p. */
static unsigned char *fill_uniform(unsigned char *p, size_t count, double scale, uint64_t *state)
{
	for (size_t i = 0; i < count; i++, p += 4) {
		float v = (float)(uniform_pm1(state) * scale);
		uint32_t bits;

		memcpy(&bits, &v, sizeof(bits));
		put_le32(p, bits);
	}
	return p;
}

static int write_full(int fd, const unsigned char *buf, size_t n)
{
	while (n) {
		ssize_t w = write(fd, buf, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		buf += w;
		n -= w;
	}
	return 0;
}

int model__write_weights(const char *path, uint64_t seed, bool force)
{
	const unsigned n_in = MODEL_DEFAULT_INPUTS, n_hidden = MODEL_DEFAULT_HIDDEN,
		       n_out = MODEL_DEFAULT_OUTPUTS;
	size_t size = file_size_for(n_in, n_hidden, n_out);
	unsigned char *buf, *p;
	uint64_t state = seed;
	int fd, ret;

	buf = calloc(1, size);
	if (!buf)
		return -ENOMEM;
	memcpy(buf, MODEL_MAGIC, 8);
	put_le32(buf + 8, MODEL_VERSION);
	put_le32(buf + 12, n_in);
	put_le32(buf + 16, n_hidden);
	put_le32(buf + 20, n_out);

	/* Glorot-uniform weights keep activations in range through both layers. */
	p = buf + MODEL_HEADER_BYTES;
	p = fill_uniform(p, (size_t)n_hidden * n_in, sqrt(6.0 / (n_in + n_hidden)), &state);
	p = fill_uniform(p, n_hidden, 0.1, &state);
	p = fill_uniform(p, (size_t)n_out * n_hidden, sqrt(6.0 / (n_hidden + n_out)), &state);
	fill_uniform(p, n_out, 0.1, &state);

	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW | (force ? O_TRUNC : O_EXCL),
		  0644);
	if (fd < 0) {
		ret = -errno;
		goto out_free;
	}
	ret = write_full(fd, buf, size);
	if (close(fd) && !ret)
		ret = -errno;
out_free:
	free(buf);
	return ret;
}
