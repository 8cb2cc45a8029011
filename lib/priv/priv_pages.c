/* Handing back pages a confined process no longer needs. */
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "priv/priv.h"

/* The program's and libraries' code as mapped when noted: only executable
 * file mappings, which are never written (a written page of a private
 * mapping would be lost); dropped pages stay in the page cache and fault
 * back in at once when used. */
#define PRIV_CODE_MAPS_MAX 64
static struct {
	uintptr_t lo, hi;
} code_maps[PRIV_CODE_MAPS_MAX];
static unsigned n_code_maps;

void priv_pages_note(void)
{
	char line[512];
	FILE *f = fopen("/proc/self/maps", "re");

	if (!f) return;
	n_code_maps = 0;
	while (n_code_maps < PRIV_CODE_MAPS_MAX && fgets(line, sizeof line, f)) {
		unsigned long lo, hi;
		char perms[8];
		if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) == 3 && !strcmp(perms, "r-xp") &&
		    strchr(line, '/')) {
			code_maps[n_code_maps].lo = lo;
			code_maps[n_code_maps].hi = hi;
			n_code_maps++;
		}
	}
	fclose(f);
}

void priv_pages_release(void)
{
	for (unsigned i = 0; i < n_code_maps; i++)
		madvise((void *)code_maps[i].lo, code_maps[i].hi - code_maps[i].lo, MADV_DONTNEED);
	malloc_trim(0);
}
