/* Handing back pages a confined process no longer needs. */
#include <elf.h>
#include <link.h>
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
/* The read-only segments (ELF headers, symbol tables, .rodata) of the
 * program and its libraries, whole pages only.  Like code they are never
 * written, so a page dropped here faults back from the page cache.  Found
 * from the program headers, not /proc: the RELRO part of the data segment
 * is mapped read-only too, but its pages hold relocated pointers that a
 * drop would lose. */
#define PRIV_RODATA_MAPS_MAX 64
static struct {
	uintptr_t lo, hi;
} rodata_maps[PRIV_RODATA_MAPS_MAX];
static unsigned n_rodata_maps;
/* The main stack's mapping: what lies below the deepest frame still in use
 * is what start-up (key exchange, signatures, the monitor's records) left
 * behind. */
static uintptr_t stack_lo;
#define PRIV_STACK_KEEP (8u * 1024) /* below the caller: madvise's own frames */

/* An object relocated in its text (DT_TEXTREL) has had read-only pages
 * written by the dynamic linker: none of its pages may be dropped. */
static int has_text_relocations(const struct dl_phdr_info *info)
{
	for (unsigned i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Dyn) * d;
		if (info->dlpi_phdr[i].p_type != PT_DYNAMIC) continue;
		d = (const ElfW(Dyn) *)(info->dlpi_addr + info->dlpi_phdr[i].p_vaddr);
		for (; d->d_tag != DT_NULL; d++)
			if (d->d_tag == DT_TEXTREL ||
			    (d->d_tag == DT_FLAGS && (d->d_un.d_val & DF_TEXTREL)))
				return 1;
	}
	return 0;
}

static int overlaps_relro(const struct dl_phdr_info *info, uintptr_t lo, uintptr_t hi)
{
	for (unsigned i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t r_lo = info->dlpi_addr + ph->p_vaddr;
		if (ph->p_type == PT_GNU_RELRO && lo < r_lo + ph->p_memsz && r_lo < hi) return 1;
	}
	return 0;
}

/* dl_iterate_phdr's callback: the program (no name) and the libraries
 * loaded from files; the vDSO is the kernel's. */
static int note_rodata(struct dl_phdr_info *info, size_t size, void *unused)
{
	if (info->dlpi_name[0] != '\0' && info->dlpi_name[0] != '/') return 0;
	if (has_text_relocations(info)) return 0;
	for (unsigned i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t start = info->dlpi_addr + ph->p_vaddr;
		uintptr_t lo = (start + 4095) & ~(uintptr_t)4095;
		uintptr_t hi = (start + ph->p_filesz) & ~(uintptr_t)4095;
		if (ph->p_type != PT_LOAD || ph->p_flags != PF_R || hi <= lo) continue;
		if (overlaps_relro(info, lo, hi)) continue;
		if (n_rodata_maps == PRIV_RODATA_MAPS_MAX) return 1;
		rodata_maps[n_rodata_maps].lo = lo;
		rodata_maps[n_rodata_maps].hi = hi;
		n_rodata_maps++;
	}
	return 0;
}

void priv_pages_note(void)
{
	char line[512];
	FILE *f;

	n_rodata_maps = 0;
	dl_iterate_phdr(note_rodata, 0);
	f = fopen("/proc/self/maps", "re");
	if (!f) return;
	n_code_maps = 0;
	while (n_code_maps < PRIV_CODE_MAPS_MAX && fgets(line, sizeof line, f)) {
		unsigned long lo, hi;
		char perms[8];
		if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) != 3) continue;
		if (strstr(line, "[stack]")) stack_lo = lo;
		if (!strcmp(perms, "r-xp") && strchr(line, '/')) {
			code_maps[n_code_maps].lo = lo;
			code_maps[n_code_maps].hi = hi;
			n_code_maps++;
		}
	}
	fclose(f);
}

/* Stack pages below the caller's frame, less PRIV_STACK_KEEP, hold only
 * dead frames: they go back and fault in as zero pages if the stack grows
 * there again. */
static void release_dead_stack(void)
{
	uintptr_t here = (uintptr_t)__builtin_frame_address(0), top;

	if (!stack_lo || here < stack_lo + PRIV_STACK_KEEP) return;
	top = (here - PRIV_STACK_KEEP) & ~(uintptr_t)4095;
	if (top > stack_lo) madvise((void *)stack_lo, top - stack_lo, MADV_DONTNEED);
}

void priv_pages_discard(void *p, size_t n)
{
	uintptr_t lo = ((uintptr_t)p + 4095) & ~(uintptr_t)4095;
	uintptr_t hi = ((uintptr_t)p + n) & ~(uintptr_t)4095;
	if (p && hi > lo) madvise((void *)lo, hi - lo, MADV_DONTNEED);
}

/* Each first run of code in a 64 KiB stretch is a page fault; one
 * MADV_POPULATE_READ (Linux 5.14) maps all of it from the page cache in
 * one call.  On the 2-vCPU VM of README's Benchmark a fault costs 15 to
 * 40 us and mapping all 4.5 MiB of code 0.1 ms.  Refused (older kernel,
 * file not cached), the code faults in as before. */
void priv_pages_map_code(void)
{
	for (unsigned i = 0; i < n_code_maps; i++)
		madvise((void *)code_maps[i].lo, code_maps[i].hi - code_maps[i].lo,
			MADV_POPULATE_READ);
}

void priv_pages_release(void)
{
	for (unsigned i = 0; i < n_code_maps; i++)
		madvise((void *)code_maps[i].lo, code_maps[i].hi - code_maps[i].lo, MADV_DONTNEED);
	for (unsigned i = 0; i < n_rodata_maps; i++)
		madvise((void *)rodata_maps[i].lo, rodata_maps[i].hi - rodata_maps[i].lo,
			MADV_DONTNEED);
	release_dead_stack();
	malloc_trim(0);
}
