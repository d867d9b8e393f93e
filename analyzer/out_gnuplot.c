// SPDX-License-Identifier: MIT
/* `report --format gnuplot -o DIR`: .dat files and .gp scripts, rendered to PNG and SVG when gnuplot is there. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "analysis.h"
#include "cli.h"
#include "log.h"
#include "outputs.h"
#include "units.h"

/*
 * Scripts hold no string from the trace (gnuplot strings and enhanced text
 * would need their own escaping): only numbers and fixed category names.
 * Each script renders itself to NAME.png (pngcairo) and NAME.svg (svg), both
 * in Debian's gnuplot-nox, and works when run by hand from DIR.
 */
static const char *const scripts[] = { "latency_cdf", "timeseries", "breakdown" };
#define N_SCRIPTS (sizeof(scripts) / sizeof(scripts[0]))

struct gp_file {
	FILE *f;
	char *path;
	int err;
};

static int gp_open(struct gp_file *g, const char *dir, const char *name)
{
	memset(g, 0, sizeof(*g));
	if (asprintf(&g->path, "%s/%s", dir, name) < 0) {
		g->path = NULL;
		log_error("out of memory");
		return -ENOMEM;
	}
	g->f = cli__open_output(g->path);
	return g->f ? 0 : -(errno ? errno : EIO);
}

static void put(struct gp_file *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct gp_file *g, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (vfprintf(g->f, fmt, ap) < 0 && !g->err)
		g->err = -EIO;
	va_end(ap);
}

static int gp_close(struct gp_file *g, int err)
{
	int e = 0;

	if (g->f)
		e = cli__close_output(g->f, g->path);
	if (!e && g->err) {
		log_error("cannot write '%s': %s", g->path, strerror(-g->err));
		e = g->err;
	}
	free(g->path);
	memset(g, 0, sizeof(*g));
	return err ?: e;
}

/* The common head of every script: both terminals, one plot body run twice. */
static void script_head(struct gp_file *g, const char *name, int w, int h)
{
	put(g, "# %s.gp: written by mslat %s; run 'gnuplot %s.gp' in this directory.\n"
	       "# Renders %s.png and %s.svg.\n"
	       "set datafile missing '?'\nset datafile separator whitespace\n"
	       "set border 3 lc rgb '#9aa3b5'\nset tics nomirror textcolor rgb '#5b6478'\n"
	       "set grid lc rgb '#e6e8ee'\nset key top left opaque box lc rgb '#e3e6ec'\n"
	       "outputs = \"%s.png %s.svg\"\nterms = \"pngcairo svg\"\n"
	       "do for [i = 1:2] {\n"
	       "  if (i == 1) { set terminal pngcairo size %d,%d font ',10' noenhanced } "
	       "else { set terminal svg size %d,%d font 'sans,10' noenhanced }\n"
	       "  set output word(outputs, i)\n", name, MSLAT_VERSION, name, name, name, name,
	    name, w, h, w, h);
}

static void script_tail(struct gp_file *g)
{
	put(g, "  unset multiplot\n  set output\n}\n");
}

/* --- latency CDF ----------------------------------------------------------------- */

static int write_cdf(const struct analysis *a, const char *dir)
{
	const struct histogram *h = &a->req.latency;
	struct gp_file g;
	double cum = 0;
	static const struct { double q; const char *name, *color; } m[] = {
		{ 0.5, "p50", "#1d2330" }, { 0.9, "p90", "#c77700" }, { 0.99, "p99", "#c62828" },
	};
	int err = gp_open(&g, dir, "latency_cdf.dat");

	if (err)
		return gp_close(&g, err);
	put(&g, "# request latency CDF: latency_ms fraction_at_or_below_percent (%" PRIu64
		" requests)\n", h->count);
	for (unsigned int b = 0; b < HIST_BUCKETS; b++) {
		uint64_t n = outputs__bucket_count(h, b);

		if (!n)
			continue;
		put(&g, "%.6f %.4f\n", (double)histogram__bucket_low(b) / 1e6,
		    100 * cum / (double)h->count);
		cum += (double)n;
		put(&g, "%.6f %.4f\n", (double)(histogram__bucket_high(b) + 1) / 1e6,
		    100 * cum / (double)h->count);
	}
	if (!h->count)
		put(&g, "? ?\n");	/* gnuplot refuses an empty file */
	err = gp_close(&g, 0);
	if (err || (err = gp_open(&g, dir, "latency_cdf.gp")))
		return gp_close(&g, err);
	script_head(&g, "latency_cdf", 1000, 520);
	put(&g, "  set title 'Request latency CDF (%" PRIu64 " requests)'\n"
		"  set logscale x 10\n  set xlabel 'request latency (ms, log scale)'\n"
		"  set ylabel 'requests at or below (%%)'\n  set yrange [0:105]\n"
		"  unset arrow\n  unset label\n", h->count);
	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		uint64_t v;
		char b[UNITS_BUF];

		if (!histogram__quantile(h, m[i].q, &v))
			continue;
		put(&g, "  set arrow from %.6f, graph 0 to %.6f, graph 1 nohead dt 2 lc rgb '%s'\n"
			"  set label '%s %s' at %.6f, graph %.2f offset 0.5,0 tc rgb '%s'\n",
		    (double)v / 1e6, (double)v / 1e6, m[i].color, m[i].name, units__duration(b, v),
		    (double)v / 1e6, 0.30 - 0.07 * (double)i, m[i].color);
	}
	if (!h->count)	/* no points: gnuplot finds no x range and fails */
		put(&g, "  set xrange [0.01:1]\n  plot NaN title 'no complete requests'\n");
	else
		put(&g, "  plot 'latency_cdf.dat' using 1:2 with lines lw 2 lc rgb '#2f6fdf' "
			"title 'requests'\n");
	script_tail(&g);
	return gp_close(&g, 0);
}

/* --- time series ---------------------------------------------------------------- */

static void maybe(struct gp_file *g, const struct histogram *h, double q)
{
	uint64_t v;

	if (histogram__quantile(h, q, &v))
		put(g, " %.6f", (double)v / 1e6);
	else
		put(g, " ?");
}

static int write_timeseries(const struct analysis *a, const char *dir)
{
	uint64_t any = 0;
	struct gp_file g;
	int err = gp_open(&g, dir, "timeseries.dat");

	if (err)
		return gp_close(&g, err);
	put(&g, "# per interval of %.3f s by request end: t_s requests_per_s p50_ms p99_ms\n",
	    (double)a->interval_ns / 1e9);
	for (int i = 0; i < a->nbuckets; i++) {
		const struct analysis_bucket *b = &a->buckets[i];

		put(&g, "%.6f %.3f", ((double)b->start_ns + (double)a->interval_ns / 2) / 1e9,
		    a->interval_ns ? (double)b->requests * 1e9 / (double)a->interval_ns : 0.0);
		maybe(&g, &b->latency, 0.5);
		maybe(&g, &b->latency, 0.99);
		put(&g, "\n");
	}
	if (!a->nbuckets)
		put(&g, "? ? ? ?\n");
	err = gp_close(&g, 0);
	if (err || (err = gp_open(&g, dir, "timeseries.gp")))
		return gp_close(&g, err);
	script_head(&g, "timeseries", 1000, 640);
	if (!a->nbuckets) {	/* no points: gnuplot finds no range and fails */
		put(&g, "  set title 'Throughput and latency'\n  set xrange [0:1]\n  set yrange [0:1]\n"
			"  set xlabel 'time since the start of the trace (s)'\n"
			"  plot NaN title 'no requests in the window'\n");
		script_tail(&g);
		return gp_close(&g, 0);
	}
	/* One x range for both panels, given: a panel without a point has none of its own. */
	put(&g, "  set multiplot layout 2,1\n  set xrange [%.6f:%.6f]\n",
	    (double)a->buckets[0].start_ns / 1e9,
	    ((double)a->buckets[a->nbuckets - 1].start_ns + (double)(a->interval_ns ? a->interval_ns : 1)) / 1e9);
	for (int i = 0; i < a->nbuckets; i++)
		any += a->buckets[i].requests;
	put(&g, "  set title 'Throughput'\n  set xlabel ''\n  set ylabel 'completed requests/s'\n"
		"  set yrange [0:%s]\n", any ? "*" : "1");
	put(&g, "  plot 'timeseries.dat' using 1:2 with lines lw 2 lc rgb '#2f6fdf' title 'requests/s'\n"
		"  set title 'Latency'\n  set xlabel 'time since the start of the trace (s)'\n"
		"  set ylabel 'latency (ms)'\n");
	if (!a->req.latency.count)
		put(&g, "  set yrange [0:1]\n  plot NaN title 'no complete requests'\n");
	else
		put(&g, "  plot 'timeseries.dat' using 1:3 with linespoints pt 7 ps 0.4 lw 2 lc rgb '#4e79a7' "
			"title 'p50', '' using 1:4 with linespoints pt 7 ps 0.4 lw 2 lc rgb '#e4572e' title 'p99'\n");
	script_tail(&g);
	return gp_close(&g, 0);
}

/* --- breakdown -------------------------------------------------------------------- */

static const char *const colors[REQ_CAT__COUNT + 2] = {
	"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#9c755f",
	"#bab0ac", "#ff9da7", "#d37295", "#c9d3e6", "#8d99ae",
};

static uint64_t bd_value(const struct analysis_breakdown *bd, int slow, int i)
{
	if (i < REQ_CAT__COUNT)
		return slow ? bd->slow_cat_ns[i] : bd->typical_cat_ns[i];
	if (i == REQ_CAT__COUNT)
		return slow ? bd->slow_user_ns : bd->typical_user_ns;
	return slow ? bd->slow_shared_ns : bd->typical_shared_ns;
}

static int write_breakdown(const struct analysis *a, const char *dir)
{
	const struct analysis_breakdown *bd = &a->breakdown;
	struct gp_file g;
	int cols[REQ_CAT__COUNT + 2], ncols = 0;
	int err = gp_open(&g, dir, "breakdown.dat");

	if (err)
		return gp_close(&g, err);
	/* the categories with time, as columns: a stacked bar per row */
	for (int i = 0; i < REQ_CAT__COUNT + 2; i++)
		if (bd->valid && (bd_value(bd, 0, i) || bd_value(bd, 1, i)))
			cols[ncols++] = i;
	put(&g, "# average ms per request in each category: typical (<= p50) and slow (>= p99)\nkind");
	for (int c = 0; c < ncols; c++)
		put(&g, " %s", outputs__cat_name(cols[c]));
	if (!ncols)
		put(&g, " none");
	put(&g, "\n");
	for (int slow = 0; slow < 2; slow++) {
		uint64_t n = slow ? bd->slow_count : bd->typical_count;

		put(&g, "%s", slow ? "slow" : "typical");
		for (int c = 0; c < ncols; c++)
			put(&g, " %.6f", n ? (double)bd_value(bd, slow, cols[c]) / (double)n / 1e6 : 0.0);
		if (!ncols)
			put(&g, " 0");
		put(&g, "\n");
	}
	err = gp_close(&g, 0);
	if (err || (err = gp_open(&g, dir, "breakdown.gp")))
		return gp_close(&g, err);
	script_head(&g, "breakdown", 800, 520);
	put(&g, "  set title 'Where the time goes: average per request'\n"
		"  set style data histograms\n  set style histogram rowstacked\n"
		"  set style fill solid 0.9 border lc rgb '#ffffff'\n  set boxwidth 0.6\n"
		"  set ylabel 'ms per request'\n  set yrange [0:%s]\n  set key outside right top\n"
		"  set xtics ('typical (<= p50)' 0, 'slow (>= p99)' 1)\n", ncols ? "*" : "1");
	if (!ncols) {
		put(&g, "  plot 'breakdown.dat' using 2 title 'no requests' lc rgb '#c9d3e6'\n");
	} else {
		put(&g, "  plot ");
		for (int c = 0; c < ncols; c++)
			put(&g, "%s'breakdown.dat' using %d title columnheader(%d) lc rgb '%s'",
			    c ? ", \\\n       " : "", c + 2, c + 2, colors[cols[c]]);
		put(&g, "\n");
	}
	script_tail(&g);
	return gp_close(&g, 0);
}

/* --- rendering ------------------------------------------------------------------ */

static bool on_path(const char *prog)
{
	const char *path = getenv("PATH");
	char buf[4096];

	if (!path)
		path = "/usr/bin:/bin";
	while (*path) {
		size_t len = strcspn(path, ":");

		snprintf(buf, sizeof(buf), "%.*s/%s", (int)len, len ? path : ".", prog);
		if (!access(buf, X_OK))
			return true;
		path += len + (path[len] == ':');
	}
	return false;
}

/* Run `gnuplot NAME.gp` in DIR; its diagnostics go to our stderr. 0 or -EIO. */
static int render(const char *dir, const char *name)
{
	char script[256];
	pid_t pid;
	int status;

	snprintf(script, sizeof(script), "%s.gp", name);
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		log_error("cannot run gnuplot: %s", strerror(errno));
		return -errno;
	}
	if (pid == 0) {
		if (dup2(STDERR_FILENO, STDOUT_FILENO) < 0 || chdir(dir))
			_exit(126);
		execlp("gnuplot", "gnuplot", script, (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		log_error("gnuplot failed on '%s/%s' (exit status %d)", dir, script,
			  WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
		return -EIO;
	}
	return 0;
}

int out_gnuplot__write(const struct analysis *a, const char *dir)
{
	int err;

	if (!dir || !strcmp(dir, "-")) {
		log_error("--format gnuplot writes several files: give a directory with -o DIR");
		return -EINVAL;
	}
	if (mkdir(dir, 0755) && errno != EEXIST) {
		err = -errno;
		log_error("cannot create directory '%s': %s", dir, strerror(-err));
		return err;
	}
	err = write_cdf(a, dir);
	err = err ?: write_timeseries(a, dir);
	err = err ?: write_breakdown(a, dir);
	if (err)
		return err;
	if (!on_path("gnuplot")) {
		log_warn("note: gnuplot is not installed: wrote the data and scripts to '%s' "
			 "without rendering them", dir);
		cli__hint("install gnuplot (Debian: gnuplot-nox), then run 'gnuplot *.gp' in '%s'",
			  dir);
		return 0;
	}
	for (size_t i = 0; i < N_SCRIPTS && !err; i++)
		err = render(dir, scripts[i]);
	if (!err)
		log_info("rendered %zu charts to PNG and SVG in '%s'", N_SCRIPTS, dir);
	return err;
}
