// SPDX-License-Identifier: MIT
/* HTML escaping of untrusted trace strings, and small inline-SVG chart primitives. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "html.h"
#include "units.h"

#pragma GCC poison u8 u16 u32 u64

static const char REPLACEMENT[] = "\xef\xbf\xbd";	/* U+FFFD */

/* Length of the valid UTF-8 sequence at S (at most N bytes), or 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t len, i;
	unsigned int cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* overlong forms, surrogates, beyond U+10FFFF */
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	/* C1 controls and noncharacters are parse errors in HTML */
	if ((cp >= 0x80 && cp <= 0x9f) || (cp >= 0xfdd0 && cp <= 0xfdef) || (cp & 0xfffe) == 0xfffe)
		return 0;
	return len;
}

static const char *entity(unsigned char c)
{
	switch (c) {
	case '&': return "&amp;";
	case '<': return "&lt;";
	case '>': return "&gt;";
	case '"': return "&quot;";
	case '\'': return "&#39;";
	default: return NULL;
	}
}

int html__escape_n(FILE *f, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, run = 0;

	if (!s)
		return 0;
	while (i < n) {
		unsigned char c = s[i];
		const char *rep = entity(c);
		size_t len = 1;

		if (!rep) {
			if (c < 0x20 && c != '\t' && c != '\n')
				rep = REPLACEMENT;
			else if (c == 0x7f)
				rep = REPLACEMENT;
			else if (c >= 0x80 && !(len = utf8_len(s + i, n - i)))
				rep = REPLACEMENT, len = 1;
		}
		if (!rep) {
			i += len;
			continue;
		}
		if (i > run && fwrite(s + run, 1, i - run, f) != i - run)
			return -EIO;
		if (fputs(rep, f) == EOF)
			return -EIO;
		i += len;
		run = i;
	}
	if (i > run && fwrite(s + run, 1, i - run, f) != i - run)
		return -EIO;
	return 0;
}

char *html__utf8_dup(const char *str)
{
	const unsigned char *s = (const unsigned char *)(str ? str : "");
	size_t n = strlen((const char *)s), o = 0;
	char *d = malloc(3 * n + 1);	/* each byte becomes at most U+FFFD */

	if (!d)
		return NULL;
	for (size_t i = 0, len; i < n; i += len) {
		len = s[i] < 0x80 ? 1 : utf8_len(s + i, n - i);
		if (!len) {
			memcpy(d + o, REPLACEMENT, 3);
			o += 3;
			len = 1;
		} else {
			memcpy(d + o, s + i, len);
			o += len;
		}
	}
	d[o] = 0;
	return d;
}

int html__escape(FILE *f, const char *s)
{
	return s ? html__escape_n(f, s, strlen(s)) : 0;
}

/* --- labels --------------------------------------------------------------- */

const char *html__label_duration(char *buf, double ns)
{
	char tmp[UNITS_BUF];

	if (ns < 0)
		ns = 0;
	const char *dot, *unit;
	size_t keep;

	snprintf(buf, HTML_LABEL_BUF, "%s", units__duration(tmp, units__u64_of(round(ns))));
	/* axis ticks are round numbers: "1.00ms" reads better as "1ms" */
	dot = strchr(buf, '.');
	if (!dot)
		return buf;
	for (unit = dot + 1; *unit >= '0' && *unit <= '9'; unit++)
		;
	keep = (size_t)(unit - buf);
	while (keep > (size_t)(dot - buf) && (buf[keep - 1] == '0' || buf[keep - 1] == '.'))
		if (buf[--keep] == '.')
			break;
	memmove(buf + keep, unit, strlen(unit) + 1);
	return buf;
}

const char *html__label_seconds(char *buf, double ns)
{
	double s = ns / 1e9;

	if (s < 0)
		s = 0;
	if (s >= 120)
		snprintf(buf, HTML_LABEL_BUF, "%.0fm%02.0fs", floor(s / 60), fmod(s, 60));
	else if (s == floor(s))
		snprintf(buf, HTML_LABEL_BUF, "%.0fs", s);
	else if (s >= 1)
		snprintf(buf, HTML_LABEL_BUF, "%.1fs", s);
	else
		return html__label_duration(buf, ns);
	return buf;
}

const char *html__label_count(char *buf, double n)
{
	char tmp[UNITS_BUF];

	if (n < 0)
		n = 0;
	if (n < 1000 && n != floor(n))
		snprintf(buf, HTML_LABEL_BUF, "%.3g", n);
	else
		snprintf(buf, HTML_LABEL_BUF, "%s", units__count(tmp, units__u64_of(round(n))));
	return buf;
}

const char *html__label_percent(char *buf, double pct)
{
	snprintf(buf, HTML_LABEL_BUF, "%.0f%%", pct);
	return buf;
}

const char *html__label_rate(char *buf, double per_s)
{
	html__label_count(buf, per_s);
	strncat(buf, "/s", HTML_LABEL_BUF - strlen(buf) - 1);
	return buf;
}

/* --- SVG ------------------------------------------------------------------ */

static void out(struct svg_chart *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void out(struct svg_chart *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (vfprintf(c->f, fmt, ap) < 0 && !c->err)
		c->err = -EIO;
	va_end(ap);
}

static void esc(struct svg_chart *c, const char *s)
{
	if (html__escape(c->f, s) && !c->err)
		c->err = -EIO;
}

void svg__init(struct svg_chart *c, FILE *f, double width, double height)
{
	memset(c, 0, sizeof(*c));
	c->f = f;
	c->width = width;
	c->height = height;
	c->margin_left = 64;
	c->margin_right = 24;
	c->margin_top = 28;
	c->margin_bottom = 44;
	svg__axis(c, 'x', SVG_LINEAR, 0, 1, NULL);
	svg__axis(c, 'y', SVG_LINEAR, 0, 1, NULL);
}

void svg__axis(struct svg_chart *c, char axis, enum svg_scale scale, double lo, double hi,
	       svg_label_fn label)
{
	struct svg_axis *a = axis == 'x' ? &c->x : &c->y;

	if (!isfinite(lo))
		lo = 0;
	if (!isfinite(hi))
		hi = lo + 1;
	if (scale == SVG_LOG) {
		if (lo <= 0)
			lo = hi > 0 ? hi / 10 : 1;
		if (hi <= lo)
			hi = lo * 10;
		lo = pow(10, floor(log10(lo)));
		hi = pow(10, ceil(log10(hi)));
		if (hi <= lo)
			hi = lo * 10;
	} else if (hi <= lo) {
		hi = lo + (lo > 0 ? lo : 1);
	}
	a->scale = scale;
	a->lo = lo;
	a->hi = hi;
	a->label = label;
	if (axis == 'x') {
		a->px_lo = c->margin_left;
		a->px_hi = c->width - c->margin_right;
	} else {
		a->px_lo = c->height - c->margin_bottom;
		a->px_hi = c->margin_top;
	}
}

static double map(const struct svg_axis *a, double v)
{
	double t;

	if (!isfinite(v))
		v = a->lo;
	if (v < a->lo)
		v = a->lo;
	if (v > a->hi)
		v = a->hi;
	if (a->scale == SVG_LOG)
		t = (log10(v) - log10(a->lo)) / (log10(a->hi) - log10(a->lo));
	else
		t = (v - a->lo) / (a->hi - a->lo);
	return a->px_lo + t * (a->px_hi - a->px_lo);
}

double svg__px_x(const struct svg_chart *c, double v)
{
	return map(&c->x, v);
}

double svg__px_y(const struct svg_chart *c, double v)
{
	return map(&c->y, v);
}

void svg__begin(struct svg_chart *c, const char *title)
{
	out(c, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" viewBox=\"0 0 %.0f %.0f\" "
	       "role=\"img\" aria-label=\"", c->width, c->height);
	esc(c, title);
	out(c, "\"><title>");
	esc(c, title);
	out(c, "</title>\n");
}

/* Tick positions of an axis: up to MAX values in OUT, and whether each is labelled. */
static size_t ticks(const struct svg_axis *a, double *outv, bool *major, size_t max)
{
	size_t n = 0;

	if (a->scale == SVG_LOG) {
		double decades = log10(a->hi) - log10(a->lo);
		int step = decades > 8 ? 2 : 1;

		for (double d = log10(a->lo); d <= log10(a->hi) + 1e-9 && n < max; d += 1) {
			double base = pow(10, round(d));
			int k = (int)llround(d - log10(a->lo));

			if (k % step == 0) {
				outv[n] = base;
				major[n++] = true;
			}
			for (int m = 2; m <= 9 && decades <= 4 && n < max; m++) {
				if (base * m > a->hi * (1 + 1e-9))
					break;
				outv[n] = base * m;
				major[n++] = false;
			}
		}
		return n;
	}
	{
		double span = a->hi - a->lo, raw = span / 6, mag = pow(10, floor(log10(raw)));
		double step = raw / mag >= 5 ? 5 * mag : raw / mag >= 2 ? 2 * mag : mag;
		double v = ceil(a->lo / step) * step;

		for (; v <= a->hi + step * 1e-9 && n < max; v += step) {
			outv[n] = fabs(v) < step * 1e-9 ? 0 : v;
			major[n++] = true;
		}
	}
	return n;
}

static const char *label_of(const struct svg_axis *a, char *buf, double v)
{
	if (a->label)
		return a->label(buf, v);
	snprintf(buf, HTML_LABEL_BUF, "%g", v);
	return buf;
}

void svg__axis_x(struct svg_chart *c, const char *title)
{
	double v[64], y0 = c->y.px_lo, y1 = c->y.px_hi;
	bool major[64];
	size_t n = ticks(&c->x, v, major, 64);
	char buf[HTML_LABEL_BUF];

	out(c, "<g class=\"axis\">");
	for (size_t i = 0; i < n; i++) {
		double px = map(&c->x, v[i]);

		out(c, "<line class=\"%s\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>",
		    major[i] ? "grid" : "grid minor", px, y1, px, y0);
		if (major[i])
			out(c, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>", px,
			    y0 + 16, label_of(&c->x, buf, v[i]));
	}
	out(c, "<line class=\"base\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>", c->x.px_lo,
	    y0, c->x.px_hi, y0);
	if (title) {
		out(c, "<text class=\"title\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">",
		    (c->x.px_lo + c->x.px_hi) / 2, c->height - 6);
		esc(c, title);
		out(c, "</text>");
	}
	out(c, "</g>\n");
}

void svg__axis_y(struct svg_chart *c, const char *title)
{
	double v[64], x0 = c->x.px_lo, x1 = c->x.px_hi;
	bool major[64];
	size_t n = ticks(&c->y, v, major, 64);
	char buf[HTML_LABEL_BUF];

	out(c, "<g class=\"axis\">");
	for (size_t i = 0; i < n; i++) {
		double py = map(&c->y, v[i]);

		out(c, "<line class=\"%s\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>",
		    major[i] ? "grid" : "grid minor", x0, py, x1, py);
		if (major[i])
			out(c, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%s</text>", x0 - 6,
			    py + 4, label_of(&c->y, buf, v[i]));
	}
	out(c, "<line class=\"base\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>", x0,
	    c->y.px_lo, x0, c->y.px_hi);
	if (title) {
		double cx = 14, cy = (c->y.px_lo + c->y.px_hi) / 2;

		out(c, "<text class=\"title\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" "
		       "transform=\"rotate(-90 %.1f %.1f)\">", cx, cy, cx, cy);
		esc(c, title);
		out(c, "</text>");
	}
	out(c, "</g>\n");
}

void svg__axes(struct svg_chart *c, const char *x_title, const char *y_title)
{
	svg__axis_y(c, y_title);
	svg__axis_x(c, x_title);
}

static void points(struct svg_chart *c, const double *xs, const double *ys, size_t n)
{
	for (size_t i = 0; i < n; i++)
		out(c, "%s%.1f,%.1f", i ? " " : "", map(&c->x, xs[i]), map(&c->y, ys[i]));
}

void svg__polyline(struct svg_chart *c, const double *xs, const double *ys, size_t n,
		   const char *cls)
{
	if (!n)
		return;
	out(c, "<polyline class=\"%s\" fill=\"none\" points=\"", cls ? cls : "line");
	points(c, xs, ys, n);
	out(c, "\"/>\n");
}

void svg__area(struct svg_chart *c, const double *xs, const double *ys, size_t n, const char *cls)
{
	double base = c->y.px_lo;

	if (!n)
		return;
	out(c, "<path class=\"%s\" d=\"M%.1f,%.1f L", cls ? cls : "area", map(&c->x, xs[0]), base);
	points(c, xs, ys, n);
	out(c, " L%.1f,%.1f Z\"/>\n", map(&c->x, xs[n - 1]), base);
}

void svg__rect_px(struct svg_chart *c, double x, double y, double w, double h, const char *cls,
		  const char *tip)
{
	if (w < 0)
		x += w, w = -w;
	if (h < 0)
		y += h, h = -h;
	out(c, "<rect class=\"%s\" x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\"",
	    cls ? cls : "bar", x, y, w, h);
	if (tip) {
		out(c, "><title>");
		esc(c, tip);
		out(c, "</title></rect>\n");
	} else {
		out(c, "/>\n");
	}
}

void svg__bar(struct svg_chart *c, double x0, double x1, double y0, double y1, const char *cls,
	      const char *tip)
{
	double px0 = map(&c->x, x0), px1 = map(&c->x, x1);
	double py0 = map(&c->y, y0), py1 = map(&c->y, y1);

	svg__rect_px(c, px0, py1, px1 - px0, py0 - py1, cls, tip);
}

void svg__hstack(struct svg_chart *c, double y0, double y1, const double *vals, size_t n,
		 const char *const *cls, const char *const *tips)
{
	double x = c->x.lo;

	for (size_t i = 0; i < n; i++) {
		if (vals[i] > 0)
			svg__bar(c, x, x + vals[i], y0, y1, cls ? cls[i] : NULL,
				 tips ? tips[i] : NULL);
		x += vals[i] > 0 ? vals[i] : 0;
	}
}

void svg__vmarker(struct svg_chart *c, double x, const char *label, const char *cls, int row)
{
	double px = map(&c->x, x);
	double ty = c->y.px_hi - 6 - 13.0 * row;	/* rows stack upwards, into the top margin */
	const char *anchor = px > c->x.px_hi - 40 ? "end" : px < c->x.px_lo + 40 ? "start" : "middle";

	out(c, "<g class=\"%s\"><line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>",
	    cls ? cls : "marker", px, c->y.px_lo, px, c->y.px_hi);
	if (label) {
		out(c, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\">", px + (anchor[0] == 'e' ? -3 : anchor[0] == 's' ? 3 : 0), ty, anchor);
		esc(c, label);
		out(c, "</text>");
	}
	out(c, "</g>\n");
}

void svg__dot(struct svg_chart *c, double x, double y, const char *cls, const char *tip)
{
	out(c, "<circle class=\"%s\" cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\"", cls ? cls : "dot",
	    map(&c->x, x), map(&c->y, y));
	if (tip) {
		out(c, "><title>");
		esc(c, tip);
		out(c, "</title></circle>\n");
	} else {
		out(c, "/>\n");
	}
}

void svg__text(struct svg_chart *c, double x, double y, const char *anchor, const char *cls,
	       const char *text)
{
	out(c, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\"", x, y, anchor ? anchor : "start");
	if (cls)
		out(c, " class=\"%s\"", cls);
	out(c, ">");
	esc(c, text);
	out(c, "</text>");
}

void svg__legend(struct svg_chart *c, const char *const *cls, const char *const *names, size_t n)
{
	double x = c->margin_left, y = 8;

	out(c, "<g class=\"legend\">");
	for (size_t i = 0; i < n; i++) {
		out(c, "<rect class=\"%s\" x=\"%.1f\" y=\"%.1f\" width=\"10\" height=\"10\"/>",
		    cls[i], x, y);
		svg__text(c, x + 14, y + 9, "start", NULL, names[i]);
		x += 24 + 7.0 * (double)strlen(names[i]);
	}
	out(c, "</g>\n");
}

int svg__end(struct svg_chart *c)
{
	out(c, "</svg>\n");
	return c->err;
}
