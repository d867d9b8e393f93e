/* SPDX-License-Identifier: MIT */
/* HTML escaping of untrusted trace strings, and small inline-SVG chart primitives. */
#ifndef MSLAT_HTML_H
#define MSLAT_HTML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/*
 * Write S to F as HTML text, safe in element content and in quoted attribute
 * values: & < > " ' become references, control characters and invalid UTF-8
 * become U+FFFD. A NULL S writes nothing. Returns 0 or -EIO.
 */
int html__escape(FILE *f, const char *s);
/* The same for N bytes of S (which may hold NULs: they become U+FFFD too). */
int html__escape_n(FILE *f, const char *s, size_t n);
/*
 * A malloc'd copy of S that is valid UTF-8 (invalid bytes become U+FFFD), for
 * encoders that reject invalid text (jansson). NULL S gives "". NULL on ENOMEM.
 */
char *html__utf8_dup(const char *s);

/*
 * Tick-label formatters for chart axes: write into BUF (HTML_LABEL_BUF bytes)
 * and return it. Their output is trusted (no escaping needed).
 */
#define HTML_LABEL_BUF 48
typedef const char *(*svg_label_fn)(char *buf, double v);
const char *html__label_duration(char *buf, double ns);	/* "850ns", "12.3µs", "4.56ms" */
const char *html__label_seconds(char *buf, double ns);	/* offsets: "0s", "1.5s", "2m03s" */
const char *html__label_count(char *buf, double n);	/* "1234", "12.3k" */
const char *html__label_percent(char *buf, double pct);	/* "25%" */
const char *html__label_rate(char *buf, double per_s);	/* "1.2k/s" */

enum svg_scale { SVG_LINEAR, SVG_LOG };

struct svg_axis {
	enum svg_scale scale;
	double lo, hi;		/* data range (log: lo > 0) */
	double px_lo, px_hi;	/* where lo and hi land, in SVG user units */
	svg_label_fn label;	/* NULL: "%g" */
};

/*
 * One chart being written to F: a viewBox of WIDTH×HEIGHT with a plot area
 * inside the margins. Write errors are remembered in ERR and reported by
 * svg__end(), so the drawing calls return nothing.
 */
struct svg_chart {
	FILE *f;
	double width, height;
	double margin_left, margin_right, margin_top, margin_bottom;
	struct svg_axis x, y;
	int err;
};

/* Default margins; then set the axes with svg__axis() before drawing. */
void svg__init(struct svg_chart *c, FILE *f, double width, double height);
/*
 * Set AXIS ('x' or 'y') to a data range and scale; the pixel range follows
 * from the chart's size and margins. A degenerate range is widened (a log
 * range to whole decades) so that every mapping stays finite.
 */
void svg__axis(struct svg_chart *c, char axis, enum svg_scale scale, double lo, double hi,
	       svg_label_fn label);
/* Map data to SVG user units (clamped to the axis range). */
double svg__px_x(const struct svg_chart *c, double v);
double svg__px_y(const struct svg_chart *c, double v);

/* Open <svg> with a viewBox and an accessible TITLE (escaped). */
void svg__begin(struct svg_chart *c, const char *title);
/* Grid lines, ticks and tick labels of both axes, then their titles (escaped; NULL: none). */
void svg__axes(struct svg_chart *c, const char *x_title, const char *y_title);
/* Only the x (or y) axis, for charts whose other axis is a list of rows. */
void svg__axis_x(struct svg_chart *c, const char *title);
void svg__axis_y(struct svg_chart *c, const char *title);
/* A line through N points (data coordinates); CLS is a CSS class (trusted). */
void svg__polyline(struct svg_chart *c, const double *xs, const double *ys, size_t n,
		   const char *cls);
/* The same, filled down to the x axis. */
void svg__area(struct svg_chart *c, const double *xs, const double *ys, size_t n, const char *cls);
/* A rectangle in data coordinates with an optional hover TIP (escaped). */
void svg__bar(struct svg_chart *c, double x0, double x1, double y0, double y1, const char *cls,
	      const char *tip);
/* A rectangle in SVG user units. */
void svg__rect_px(struct svg_chart *c, double x, double y, double w, double h, const char *cls,
		  const char *tip);
/*
 * A horizontal stacked bar between data y0 and y1: N segments of widths
 * VALS (in x units, from the axis's lo), each with its class and tip.
 */
void svg__hstack(struct svg_chart *c, double y0, double y1, const double *vals, size_t n,
		 const char *const *cls, const char *const *tips);
/*
 * A vertical marker at data X, labelled (escaped) above the plot area; ROW
 * (0, 1, 2) lifts the label by a line, so keep margin_top >= 20 + 13 * ROW.
 */
void svg__vmarker(struct svg_chart *c, double x, const char *label, const char *cls, int row);
/* A point marker (circle) at data (X, Y) with a hover TIP. */
void svg__dot(struct svg_chart *c, double x, double y, const char *cls, const char *tip);
/* Text at SVG user units; ANCHOR is start/middle/end; TEXT is escaped. */
void svg__text(struct svg_chart *c, double x, double y, const char *anchor, const char *cls,
	       const char *text);
/* A legend row at the top right: N swatches with classes and (escaped) names. */
void svg__legend(struct svg_chart *c, const char *const *cls, const char *const *names, size_t n);
/* Close </svg>; returns 0 or the first write error (-EIO). */
int svg__end(struct svg_chart *c);

#endif
