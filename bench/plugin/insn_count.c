// SPDX-License-Identifier: GPL-2.0
/*
 * A QEMU TCG plugin that counts the guest kernel's executed instructions by
 * translation block: for each block starting in the kernel's half of the
 * address space, how many times it ran. Written at exit to outfile=PATH as
 * "start_address instructions executions" lines, for scripts/bench-profile.py
 * to fold into functions. Unlike perf's cpu-clock samples, which land where
 * interrupts come back on, this sees code that runs with them off: the
 * scheduler, kprobes, lattop's handlers.
 *
 * Plugin API version 1 (QEMU 7.2); one vCPU thread at a time (the benchmarks
 * run TCG single-threaded), so the inline adds need no atomics.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <qemu-plugin.h>

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

/* A block, by start and length: icount may translate one start with fewer
 * instructions when its budget runs out, and each translation counts apart. */
struct block {
	uint64_t start;
	uint64_t executions;
	uint32_t instructions;
};

#define SLOTS (1u << 20)
#define KERNEL_HALF 0xffff800000000000ull

static struct block *blocks;
static uint64_t blocks_lost;
static char outfile[4096] = "insn_count.txt";

static struct block *block_for(uint64_t start, uint32_t instructions)
{
	uint64_t hash = (start ^ instructions) * 0x9e3779b97f4a7c15ull;

	for (uint32_t probe = 0; probe < SLOTS; probe++) {
		struct block *b = &blocks[((hash >> 44) + probe) & (SLOTS - 1)];

		if (b->instructions == 0) {
			b->start = start;
			b->instructions = instructions;
			return b;
		}
		if (b->start == start && b->instructions == instructions)
			return b;
	}
	return NULL;
}

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	uint64_t start = qemu_plugin_tb_vaddr(tb);
	struct block *b;

	if (start < KERNEL_HALF)
		return;
	b = block_for(start, qemu_plugin_tb_n_insns(tb));
	if (!b) {
		blocks_lost++;
		return;
	}
	qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64, &b->executions, 1);
}

static void write_counts(qemu_plugin_id_t id, void *data)
{
	FILE *out = fopen(outfile, "w");

	if (!out)
		return;
	fprintf(out, "# blocks_lost %" PRIu64 "\n", blocks_lost);
	for (uint32_t i = 0; i < SLOTS; i++) {
		struct block *b = &blocks[i];

		if (b->executions)
			fprintf(out, "%" PRIx64 " %" PRIu32 " %" PRIu64 "\n", b->start,
				b->instructions, b->executions);
	}
	fclose(out);
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info,
					   int argc, char **argv)
{
	for (int i = 0; i < argc; i++) {
		if (strncmp(argv[i], "outfile=", 8) == 0)
			snprintf(outfile, sizeof(outfile), "%s", argv[i] + 8);
	}
	blocks = calloc(SLOTS, sizeof(*blocks));
	if (!blocks)
		return -1;
	qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
	qemu_plugin_register_atexit_cb(id, write_counts, NULL);
	return 0;
}
