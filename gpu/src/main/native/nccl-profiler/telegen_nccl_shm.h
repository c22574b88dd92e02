/*
 * telegen_nccl_shm.h: the layout of the per-process counter file that the Telegen NCCL
 * profiler plugin writes and the agent (io.telegen.gpu.nccl.internal.NcclShmLayout) reads.
 *
 * This is the one declaration of the layout. The Java reader repeats the offsets below as
 * constants; change both together and bump TG_NCCL_LAYOUT_VERSION when anything moves.
 *
 * File:   $TELEGEN_NCCL_DIR/nccl-<pid>.bin (default directory /dev/shm/telegen-nccl),
 *         exactly TG_NCCL_FILE_SIZE bytes, little-endian (x86-64 and aarch64 are both LE).
 *         The plugin builds it under a temporary name and renames it into place, so a file
 *         with the final name always has a complete header.
 *
 * Header (128 bytes) then TG_NCCL_SLOTS slots of TG_NCCL_SLOT_SIZE bytes. A slot belongs to
 * one (commHash, rank) pair: one communicator as seen by one rank of this process.
 *
 * Concurrency: the plugin claims a free slot with a CAS on `state` (FREE -> CLAIMED), writes
 * the identity fields, then release-stores READY. Counters only grow, with relaxed atomic
 * adds; aligned 8-byte loads are never torn on x86-64/aarch64, so a reader that sees READY
 * with acquire ordering may read every field of the slot at any time afterwards.
 */
#ifndef TELEGEN_NCCL_SHM_H_
#define TELEGEN_NCCL_SHM_H_

#include <stddef.h>
#include <stdint.h>

#define TG_NCCL_MAGIC "TGNC"
#define TG_NCCL_LAYOUT_VERSION 1u
#define TG_NCCL_SLOTS 64u
#define TG_NCCL_JOB_LEN 64
#define TG_NCCL_COMM_NAME_LEN 32

/* Slot states. */
#define TG_NCCL_SLOT_FREE 0u
#define TG_NCCL_SLOT_CLAIMED 1u /* being written; readers skip it */
#define TG_NCCL_SLOT_READY 2u

/* Collective kinds, the index into tg_nccl_slot.kind[]; the names are what the agent emits as
 * the `collective` label and match ncclFuncToString. */
enum tg_nccl_kind {
  TG_KIND_ALL_REDUCE = 0,
  TG_KIND_ALL_GATHER = 1,
  TG_KIND_REDUCE_SCATTER = 2,
  TG_KIND_BROADCAST = 3,
  TG_KIND_REDUCE = 4,
  TG_KIND_ALL_TO_ALL = 5,
  TG_KIND_GATHER = 6,
  TG_KIND_SCATTER = 7,
  TG_KIND_SEND = 8,
  TG_KIND_RECV = 9,
  TG_KIND_OTHER = 10,
  TG_KIND_COUNT = 11
};

struct tg_nccl_header {
  char magic[4];             /*   0 "TGNC", no terminator */
  uint32_t layout_version;   /*   4 TG_NCCL_LAYOUT_VERSION */
  uint32_t header_size;      /*   8 sizeof(struct tg_nccl_header) */
  uint32_t slot_count;       /*  12 TG_NCCL_SLOTS */
  uint32_t slot_size;        /*  16 sizeof(struct tg_nccl_slot) */
  int32_t pid;               /*  20 writer's pid, also in the file name */
  int32_t nccl_version;      /*  24 ncclGetVersion() (e.g. 22304), 0 when not resolvable */
  uint32_t api_version;      /*  28 highest profiler interface NCCL initialised (1..6) */
  uint64_t created_unix_nanos; /* 32 CLOCK_REALTIME when the file was made: counter start */
  uint64_t overflow_comms;   /*  40 (comm, rank) pairs that found no free slot */
  uint64_t overflow_events;  /*  48 events of those pairs, not counted anywhere else */
  uint64_t reserved;         /*  56 zero */
  char job[TG_NCCL_JOB_LEN]; /*  64 $TELEGEN_JOB, NUL-padded; empty when unset */
};

struct tg_nccl_counts {
  uint64_t send_bytes; /* message bytes this rank contributed (see docs/nccl.md) */
  uint64_t recv_bytes; /* message bytes this rank received */
  uint64_t ops;        /* operations enqueued */
};

struct tg_nccl_slot {
  uint32_t state;       /*   0 TG_NCCL_SLOT_* */
  int32_t rank;         /*   4 rank in the communicator */
  uint64_t comm_hash;   /*   8 NCCL commHash (v5+: commId, which NCCL sets to commHash) */
  int32_t nranks;       /*  16 -1 when unknown (profiler interface v1..v3) */
  int32_t n_nodes;      /*  20 -1 when unknown */
  int32_t cuda_dev;     /*  24 cudaGetDevice() at claim time, -1 when not resolvable */
  uint32_t reserved;    /*  28 zero */
  char comm_name[TG_NCCL_COMM_NAME_LEN]; /* 32 NUL-padded, may be empty; truncated to 31 */
  struct tg_nccl_counts kind[TG_KIND_COUNT]; /* 64 indexed by enum tg_nccl_kind */
  uint8_t pad[56];      /* 328 pads the slot to 384 bytes, a multiple of the cache line */
};

#define TG_NCCL_SLOT_SIZE 384u
#define TG_NCCL_HEADER_SIZE 128u
#define TG_NCCL_FILE_SIZE (TG_NCCL_HEADER_SIZE + TG_NCCL_SLOTS * TG_NCCL_SLOT_SIZE)

_Static_assert(sizeof(struct tg_nccl_header) == TG_NCCL_HEADER_SIZE, "header size");
_Static_assert(offsetof(struct tg_nccl_header, created_unix_nanos) == 32, "created offset");
_Static_assert(offsetof(struct tg_nccl_header, overflow_comms) == 40, "overflow offset");
_Static_assert(offsetof(struct tg_nccl_header, job) == 64, "job offset");
_Static_assert(sizeof(struct tg_nccl_counts) == 24, "counts size");
_Static_assert(sizeof(struct tg_nccl_slot) == TG_NCCL_SLOT_SIZE, "slot size");
_Static_assert(offsetof(struct tg_nccl_slot, comm_hash) == 8, "comm_hash offset");
_Static_assert(offsetof(struct tg_nccl_slot, nranks) == 16, "nranks offset");
_Static_assert(offsetof(struct tg_nccl_slot, cuda_dev) == 24, "cuda_dev offset");
_Static_assert(offsetof(struct tg_nccl_slot, comm_name) == 32, "comm_name offset");
_Static_assert(offsetof(struct tg_nccl_slot, kind) == 64, "kind offset");
_Static_assert(TG_NCCL_FILE_SIZE == 24704, "file size");

#endif /* TELEGEN_NCCL_SHM_H_ */
