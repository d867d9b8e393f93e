// SPDX-License-Identifier: MIT
/* --syscalls LIST → per-syscall flags for the BPF side: enabled, first argument is an fd. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <linux/types.h>

#include "events.h"
#include "syscalls.h"
#include "sysfilter.h"

#pragma GCC poison u8 u16 u32 u64

static bool cat_wanted(const bool *cats, enum syscall_category cat)
{
	if (cats[cat])
		return true;
	return cat == SC_CAT_IO && (cats[SC_CAT_NET] || cats[SC_CAT_FILE]);
}

int sysfilter__build(const char *list, const char *arch, uint8_t *flags, size_t cnt, char **bad)
{
	bool cats[SC_CAT__COUNT] = { false };
	const char *const *names;
	bool all = !list || !strcmp(list, "all");
	char *copy = NULL, *tok, *save;
	size_t n, i;
	int enabled = 0, nr;

	*bad = NULL;
	names = syscall_table__for_arch(arch, &n);
	if (!names)
		return -ENOTSUP;
	memset(flags, 0, cnt);
	for (i = 0; i < n && i < cnt; i++) {
		if (names[i] && syscall__fd_first(names[i]))
			flags[i] = MSLAT_SC_FD_FIRST;
		if (names[i] && !strcmp(names[i], "listen"))
			flags[i] |= MSLAT_SC_LISTEN;
		if (names[i] && !strcmp(names[i], "connect"))
			flags[i] |= MSLAT_SC_CONNECT;
		if (names[i] && (!strcmp(names[i], "accept") || !strcmp(names[i], "accept4")))
			flags[i] |= MSLAT_SC_ACCEPT;
		if (names[i] && !strcmp(names[i], "close"))
			flags[i] |= MSLAT_SC_CLOSE;
	}
	if (!all) {
		copy = strdup(list);
		if (!copy)
			return -ENOMEM;
		for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
			int cat = syscall_category__parse(tok);

			if (!strcmp(tok, "all")) {
				all = true;
			} else if (cat >= 0) {
				cats[cat] = true;
			} else if ((nr = syscall__number(arch, tok)) >= 0 && (size_t)nr < cnt) {
				flags[nr] |= MSLAT_SC_ENABLED;
			} else {
				*bad = strdup(tok);
				free(copy);
				return -EINVAL;
			}
		}
		free(copy);
	}
	for (i = 0; i < n && i < cnt; i++) {
		if (!names[i])
			continue;
		if (all || cat_wanted(cats, syscall__category(names[i])))
			flags[i] |= MSLAT_SC_ENABLED;
		if (flags[i] & MSLAT_SC_ENABLED)
			enabled++;
	}
	return enabled;
}
