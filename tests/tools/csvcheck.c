// SPDX-License-Identifier: MIT
/*
 * csvcheck: parses CSV files with libcsv in strict mode, checks that every
 * row has as many fields as the header, and prints each file as JSON
 * ({"file": {"header": [...], "rows": [[...], ...]}}, fields as strings) so a
 * test can compare it with `mslat report --format json`.
 *
 *	csvcheck FILE.csv...
 *
 * Exit status: 0 every file parsed, 1 a parse error or a ragged row, 2 usage.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <csv.h>
#include <jansson.h>

struct parse {
	json_t *header, *rows, *row;
	long line;
	int ragged;	/* first row with a wrong field count, or 0 */
};

static void on_field(void *s, size_t len, void *data)
{
	struct parse *p = data;
	json_t *v = json_stringn(s ? s : "", s ? len : 0);

	if (!p->row)
		p->row = json_array();
	/* libcsv hands over bytes; a non-UTF-8 field is kept visible, not dropped */
	json_array_append_new(p->row, v ? v : json_string("\xef\xbf\xbd"));
}

static void on_row(int c, void *data)
{
	struct parse *p = data;

	(void)c;
	if (!p->row)
		p->row = json_array();
	p->line++;
	if (!p->header) {
		p->header = p->row;
	} else {
		if (json_array_size(p->row) != json_array_size(p->header) && !p->ragged)
			p->ragged = (int)p->line;
		json_array_append_new(p->rows, p->row);
	}
	p->row = NULL;
}

static json_t *check(const char *path)
{
	struct csv_parser cp;
	struct parse p = { .rows = json_array() };
	char buf[65536];
	FILE *f = fopen(path, "rb");
	size_t n;
	int err = 0;

	if (!f) {
		fprintf(stderr, "csvcheck: cannot open '%s': %s\n", path, strerror(errno));
		return NULL;
	}
	csv_init(&cp, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
		if (csv_parse(&cp, buf, n, on_field, on_row, &p) != n) {
			fprintf(stderr, "csvcheck: '%s': %s (row %ld)\n", path,
				csv_strerror(csv_error(&cp)), p.line + 1);
			err = 1;
			break;
		}
	}
	if (!err && csv_fini(&cp, on_field, on_row, &p)) {
		fprintf(stderr, "csvcheck: '%s': %s at the end\n", path, csv_strerror(csv_error(&cp)));
		err = 1;
	}
	if (!err && ferror(f)) {
		fprintf(stderr, "csvcheck: cannot read '%s'\n", path);
		err = 1;
	}
	if (!err && !p.header) {
		fprintf(stderr, "csvcheck: '%s': no header row\n", path);
		err = 1;
	}
	if (!err && p.ragged) {
		fprintf(stderr, "csvcheck: '%s': row %d has another field count than the header\n",
			path, p.ragged);
		err = 1;
	}
	csv_free(&cp);
	fclose(f);
	json_decref(p.row);
	if (err) {
		json_decref(p.header);
		json_decref(p.rows);
		return NULL;
	}
	return json_pack("{s:o,s:o}", "header", p.header, "rows", p.rows);
}

int main(int argc, char **argv)
{
	json_t *out;
	int rc = 0;

	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		fprintf(argc < 2 ? stderr : stdout, "Usage: csvcheck FILE.csv...\n");
		return argc < 2 ? 2 : 0;
	}
	out = json_object();
	for (int i = 1; i < argc; i++) {
		json_t *f = check(argv[i]);

		if (!f)
			rc = 1;
		else
			json_object_set_new(out, argv[i], f);
	}
	if (json_dumpf(out, stdout, JSON_INDENT(1) | JSON_PRESERVE_ORDER) || putchar('\n') == EOF ||
	    fflush(stdout))
		rc = 1;
	json_decref(out);
	return rc;
}
