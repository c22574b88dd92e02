/*
 * Telegen NCCL profiler plugin: libnccl-profiler-telegen.so.
 *
 * NCCL loads it with NCCL_PROFILER_PLUGIN=/abs/path/libnccl-profiler-telegen.so and picks the
 * newest of ncclProfiler_v6 .. ncclProfiler_v1 it knows (NCCL >= 2.23.4). The plugin asks only
 * for collective and point-to-point events and adds their message bytes into per-process
 * counters in a shared-memory file (layout: telegen_nccl_shm.h) that the agent maps read-only.
 *
 * Counting (bytes S = count x datatype size, the per-rank message size that NCCL Inspector also
 * reports; these are NOT wire bytes, which depend on algorithm and rank count):
 *   AllReduce, AllGather, ReduceScatter, AlltoAll   send += S, recv += S on every rank
 *   Broadcast, Scatter                              root: send += S; other ranks: recv += S
 *   Reduce, Gather                                  every rank: send += S; root also recv += S
 *   Send / Recv                                     send += S / recv += S
 *   anything else (SendRecv, PutSignal, ...)        kind "Other": send += S, recv += S
 * Every event also adds 1 to the kind's ops. count is what NCCL puts in the descriptor: per
 * rank for AllGather (sendcount) and ReduceScatter (recvcount).
 *
 * Datatype sizes follow ncclTypeSize. The string "Unknown" (and anything unrecognised) counts
 * 1 byte per element: ncclDatatypeToString has no case for ncclUint8, so a uint8 operation
 * arrives as "Unknown", and 1 is its true size.
 *
 * Rules NCCL imposes: every entry point returns ncclSuccess (anything else disables the
 * plugin); startEvent runs on the enqueue path, so it allocates nothing and takes no lock: it
 * hands back a NULL event handle and does relaxed atomic adds. stopEvent/recordEventState see
 * that NULL handle and do nothing.
 *
 * Comm identity: v1..v3 have no comm in init, so each event's (commHash, rank) picks the slot;
 * v4 passes commHash/nranks/nNodes/rank/commName to init; v5/v6 pass commId (= commHash).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "nccl_profiler_abi.h"
#include "telegen_nccl_shm.h"

#define TG_EXPORT __attribute__((visibility("default")))
#define TG_DEFAULT_DIR "/dev/shm/telegen-nccl"

/* The mapped file of this process; NULL until the first init succeeds. Read on the hot path
 * with acquire so that a slot pointer derived from it sees the initialised header. */
static struct tg_nccl_header* g_header;
static pid_t g_header_pid;
static pthread_mutex_t g_init_lock = PTHREAD_MUTEX_INITIALIZER; /* init/finalize only */
static int g_warned;

/* v1..v3 contexts: one static object; the comm is found per event. */
static int g_legacy_context;

/* v1..v3 per-thread cache of the last (commHash, rank) -> slot lookup; the enqueueing thread
 * of a comm keeps hitting the same slot, so the scan over slots is rare. */
static __thread uint64_t t_cache_hash;
static __thread int t_cache_rank;
static __thread struct tg_nccl_slot* t_cache_slot;
static __thread struct tg_nccl_header* t_cache_header;

static struct tg_nccl_slot* slots_of(struct tg_nccl_header* h) {
  return (struct tg_nccl_slot*)((char*)h + TG_NCCL_HEADER_SIZE);
}

static void warn_once(tg_nccl_logger_t logfn, const char* what, const char* path, int err) {
  if (__atomic_exchange_n(&g_warned, 1, __ATOMIC_RELAXED)) return;
  if (logfn != NULL) {
    logfn(TG_NCCL_LOG_WARN, TG_NCCL_INIT, __FILE__, __LINE__,
          "Telegen NCCL profiler: %s %s: %s; NCCL byte counters are off for this process "
          "(set TELEGEN_NCCL_DIR to a writable directory shared with the agent)",
          what, path, strerror(err));
  } else {
    fprintf(stderr,
            "Telegen NCCL profiler: %s %s: %s; NCCL byte counters are off for this process "
            "(set TELEGEN_NCCL_DIR to a writable directory shared with the agent)\n",
            what, path, strerror(err));
  }
}

static int cuda_device(void) {
  int (*get_device)(int*) = (int (*)(int*))dlsym(RTLD_DEFAULT, "cudaGetDevice");
  int dev = -1;
  if (get_device == NULL || get_device(&dev) != 0) return -1;
  return dev;
}

static int nccl_version(void) {
  int (*get_version)(int*) = (int (*)(int*))dlsym(RTLD_DEFAULT, "ncclGetVersion");
  int v = 0;
  if (get_version == NULL || get_version(&v) != 0) return 0;
  return v;
}

/* Builds the file under a temporary name and renames it into place, so the agent never sees
 * a file with the final name and a half-written header. Caller holds g_init_lock. */
static struct tg_nccl_header* create_file(tg_nccl_logger_t logfn) {
  const char* dir = getenv("TELEGEN_NCCL_DIR");
  if (dir == NULL || dir[0] == '\0') dir = TG_DEFAULT_DIR;
  if (mkdir(dir, 01777) == 0) {
    /* World-writable and sticky, like /tmp: ranks of several users share one directory and
     * only the owner (or the agent as root) removes a file. mkdir's mode went through umask. */
    chmod(dir, 01777);
  } else if (errno != EEXIST) {
    warn_once(logfn, "cannot create directory", dir, errno);
    return NULL;
  }
  pid_t pid = getpid();
  char tmp[4096], path[4096];
  snprintf(tmp, sizeof tmp, "%s/.nccl-%d.bin.tmp", dir, (int)pid);
  snprintf(path, sizeof path, "%s/nccl-%d.bin", dir, (int)pid);
  int fd = open(tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    warn_once(logfn, "cannot create", tmp, errno);
    return NULL;
  }
  if (ftruncate(fd, TG_NCCL_FILE_SIZE) != 0) {
    warn_once(logfn, "cannot size", tmp, errno);
    close(fd);
    unlink(tmp);
    return NULL;
  }
  void* map = mmap(NULL, TG_NCCL_FILE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  close(fd);
  if (map == MAP_FAILED) {
    warn_once(logfn, "cannot map", tmp, errno);
    unlink(tmp);
    return NULL;
  }
  struct tg_nccl_header* h = map;
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  memcpy(h->magic, TG_NCCL_MAGIC, 4);
  h->layout_version = TG_NCCL_LAYOUT_VERSION;
  h->header_size = TG_NCCL_HEADER_SIZE;
  h->slot_count = TG_NCCL_SLOTS;
  h->slot_size = TG_NCCL_SLOT_SIZE;
  h->pid = (int32_t)pid;
  h->nccl_version = nccl_version();
  h->created_unix_nanos = (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
  const char* job = getenv("TELEGEN_JOB");
  if (job != NULL) strncpy(h->job, job, TG_NCCL_JOB_LEN - 1);
  if (rename(tmp, path) != 0) {
    warn_once(logfn, "cannot rename into place", path, errno);
    munmap(map, TG_NCCL_FILE_SIZE);
    unlink(tmp);
    return NULL;
  }
  if (logfn != NULL) {
    logfn(TG_NCCL_LOG_INFO, TG_NCCL_INIT, __FILE__, __LINE__,
          "Telegen NCCL profiler: counting collective and p2p bytes into %s", path);
  }
  return h;
}

/* Maps the file on the first init of this process (again after a fork: the child must not
 * add into its parent's counters) and records which interface NCCL chose. */
static struct tg_nccl_header* ensure_file(unsigned api_version, tg_nccl_logger_t logfn) {
  pthread_mutex_lock(&g_init_lock);
  struct tg_nccl_header* h = __atomic_load_n(&g_header, __ATOMIC_ACQUIRE);
  if (h == NULL || g_header_pid != getpid()) {
    h = create_file(logfn);
    if (h != NULL) {
      g_header_pid = getpid();
      __atomic_store_n(&g_header, h, __ATOMIC_RELEASE);
    }
  }
  if (h != NULL && h->api_version < api_version) {
    __atomic_store_n(&h->api_version, api_version, __ATOMIC_RELAXED);
  }
  pthread_mutex_unlock(&g_init_lock);
  return h;
}

/* Finds the slot of (hash, rank) or claims a free one. Never blocks for long: the only wait is
 * for another thread that is between its claim CAS and its READY store (a few stores). */
static struct tg_nccl_slot* find_or_claim(struct tg_nccl_header* h, uint64_t hash, int rank,
                                          const char* name, int nranks, int n_nodes) {
  struct tg_nccl_slot* slots = slots_of(h);
  for (unsigned i = 0; i < TG_NCCL_SLOTS; i++) {
    struct tg_nccl_slot* s = &slots[i];
    for (;;) {
      uint32_t state = __atomic_load_n(&s->state, __ATOMIC_ACQUIRE);
      if (state == TG_NCCL_SLOT_READY) {
        if (s->comm_hash == hash && s->rank == rank) return s;
        break;
      }
      if (state == TG_NCCL_SLOT_CLAIMED) {
        sched_yield();
        continue;
      }
      uint32_t expected = TG_NCCL_SLOT_FREE;
      if (__atomic_compare_exchange_n(&s->state, &expected, TG_NCCL_SLOT_CLAIMED, 0,
                                      __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) {
        s->comm_hash = hash;
        s->rank = rank;
        s->nranks = nranks;
        s->n_nodes = n_nodes;
        s->cuda_dev = cuda_device();
        if (name != NULL) strncpy(s->comm_name, name, TG_NCCL_COMM_NAME_LEN - 1);
        __atomic_store_n(&s->state, TG_NCCL_SLOT_READY, __ATOMIC_RELEASE);
        return s;
      }
      /* lost the race for this slot: look at it again */
    }
  }
  __atomic_fetch_add(&h->overflow_comms, 1, __ATOMIC_RELAXED);
  return NULL;
}

/* ---- byte accounting, shared by every version ---- */

static size_t size_of_v1_datatype(uint8_t dt) {
  switch (dt) {          /* ncclDataType_t values, stable since NCCL 2.x */
    case 2: case 3:      /* ncclInt32, ncclUint32 */
    case 7:              /* ncclFloat32 */
      return 4;
    case 4: case 5:      /* ncclInt64, ncclUint64 */
    case 8:              /* ncclFloat64 */
      return 8;
    case 6: case 9:      /* ncclFloat16, ncclBfloat16 */
      return 2;
    default:             /* ncclInt8, ncclUint8, ncclFloat8e4m3/e5m2, unknown */
      return 1;
  }
}

static int kind_of_v1_func(uint8_t func) {
  switch (func) { /* ncclFunc_t values */
    case 0: return TG_KIND_BROADCAST;
    case 1: return TG_KIND_REDUCE;
    case 2: return TG_KIND_ALL_GATHER;
    case 3: return TG_KIND_REDUCE_SCATTER;
    case 4: return TG_KIND_ALL_REDUCE;
    case 6: return TG_KIND_SEND;
    case 7: return TG_KIND_RECV;
    case 8: return TG_KIND_ALL_TO_ALL; /* values 8..10 exist from NCCL 2.28 */
    case 9: return TG_KIND_SCATTER;
    case 10: return TG_KIND_GATHER;
    default: return TG_KIND_OTHER;     /* 5 = SendRecv, and anything newer */
  }
}

static size_t size_of_datatype(const char* dt) {
  if (dt == NULL || strncmp(dt, "nccl", 4) != 0) return 1; /* "Unknown" is ncclUint8 */
  const char* t = dt + 4; /* after "nccl" */
  if (strcmp(t, "Float32") == 0 || strcmp(t, "Int32") == 0 || strcmp(t, "Uint32") == 0) return 4;
  if (strcmp(t, "Bfloat16") == 0 || strcmp(t, "Float16") == 0) return 2;
  if (strcmp(t, "Float64") == 0 || strcmp(t, "Int64") == 0 || strcmp(t, "Uint64") == 0) return 8;
  return 1; /* Int8, Uint8, Float8e4m3, Float8e5m2 */
}

static int kind_of_func(const char* f) {
  if (f == NULL) return TG_KIND_OTHER;
  switch (f[0]) {
    case 'A':
      if (strcmp(f, "AllReduce") == 0) return TG_KIND_ALL_REDUCE;
      if (strcmp(f, "AllGather") == 0) return TG_KIND_ALL_GATHER;
      if (strcmp(f, "AlltoAll") == 0) return TG_KIND_ALL_TO_ALL;
      break;
    case 'R':
      if (strcmp(f, "ReduceScatter") == 0) return TG_KIND_REDUCE_SCATTER;
      if (strcmp(f, "Reduce") == 0) return TG_KIND_REDUCE;
      if (strcmp(f, "Recv") == 0) return TG_KIND_RECV;
      break;
    case 'B':
      if (strcmp(f, "Broadcast") == 0) return TG_KIND_BROADCAST;
      break;
    case 'G':
      if (strcmp(f, "Gather") == 0) return TG_KIND_GATHER;
      break;
    case 'S':
      if (strcmp(f, "Send") == 0) return TG_KIND_SEND;
      if (strcmp(f, "Scatter") == 0) return TG_KIND_SCATTER;
      break;
  }
  return TG_KIND_OTHER;
}

static void count(struct tg_nccl_slot* s, int kind, uint64_t bytes, int rank, int root) {
  int send, recv;
  switch (kind) {
    case TG_KIND_BROADCAST:
    case TG_KIND_SCATTER:
      send = rank == root;
      recv = !send;
      break;
    case TG_KIND_REDUCE:
    case TG_KIND_GATHER:
      send = 1;
      recv = rank == root;
      break;
    case TG_KIND_SEND:
      send = 1;
      recv = 0;
      break;
    case TG_KIND_RECV:
      send = 0;
      recv = 1;
      break;
    default: /* AllReduce, AllGather, ReduceScatter, AlltoAll, Other */
      send = 1;
      recv = 1;
      break;
  }
  struct tg_nccl_counts* c = &s->kind[kind];
  if (send) __atomic_fetch_add(&c->send_bytes, bytes, __ATOMIC_RELAXED);
  if (recv) __atomic_fetch_add(&c->recv_bytes, bytes, __ATOMIC_RELAXED);
  __atomic_fetch_add(&c->ops, 1, __ATOMIC_RELAXED);
}

static void count_dropped(void) {
  struct tg_nccl_header* h = __atomic_load_n(&g_header, __ATOMIC_ACQUIRE);
  if (h != NULL) __atomic_fetch_add(&h->overflow_events, 1, __ATOMIC_RELAXED);
}

/* v1..v3: the slot comes from the descriptor's commHash and rank. */
static struct tg_nccl_slot* legacy_slot(uint64_t hash, int rank, const char* name) {
  struct tg_nccl_header* h = __atomic_load_n(&g_header, __ATOMIC_ACQUIRE);
  if (h == NULL) return NULL;
  if (t_cache_header == h && t_cache_slot != NULL && t_cache_hash == hash &&
      t_cache_rank == rank) {
    return t_cache_slot;
  }
  struct tg_nccl_slot* s = find_or_claim(h, hash, rank, name, -1, -1);
  t_cache_header = h;
  t_cache_hash = hash;
  t_cache_rank = rank;
  t_cache_slot = s;
  return s;
}

/* ---- entry points ---- */

static tg_nccl_result_t init_legacy(void** context, int* mask, unsigned api) {
  *mask = TG_NCCL_PROFILE_COLL | TG_NCCL_PROFILE_P2P;
  *context = &g_legacy_context;
  ensure_file(api, NULL);
  return tgNcclSuccess;
}
static tg_nccl_result_t init_v1(void** c, int* m) { return init_legacy(c, m, 1); }
static tg_nccl_result_t init_v2(void** c, int* m) { return init_legacy(c, m, 2); }
static tg_nccl_result_t init_v3(void** c, int* m) { return init_legacy(c, m, 3); }

/* v4+: the context is the comm's slot, or NULL when there is no file or no free slot. */
static tg_nccl_result_t init_comm(void** context, int* mask, unsigned api, uint64_t hash,
                                  const char* name, int n_nodes, int nranks, int rank,
                                  tg_nccl_logger_t logfn) {
  *mask = TG_NCCL_PROFILE_COLL | TG_NCCL_PROFILE_P2P;
  *context = NULL;
  struct tg_nccl_header* h = ensure_file(api, logfn);
  if (h != NULL) *context = find_or_claim(h, hash, rank, name, nranks, n_nodes);
  return tgNcclSuccess;
}
static tg_nccl_result_t init_v4(void** c, int* m, const char* name, uint64_t hash, int n_nodes,
                                int nranks, int rank, tg_nccl_logger_t logfn) {
  return init_comm(c, m, 4, hash, name, n_nodes, nranks, rank, logfn);
}
static tg_nccl_result_t init_v5(void** c, uint64_t id, int* m, const char* name, int n_nodes,
                                int nranks, int rank, tg_nccl_logger_t logfn) {
  return init_comm(c, m, 5, id, name, n_nodes, nranks, rank, logfn);
}
static tg_nccl_result_t init_v6(void** c, uint64_t id, int* m, const char* name, int n_nodes,
                                int nranks, int rank, tg_nccl_logger_t logfn) {
  return init_comm(c, m, 6, id, name, n_nodes, nranks, rank, logfn);
}

static tg_nccl_result_t start_v1(void* context, void** handle, tg_descr_v1_t* d) {
  (void)context;
  *handle = NULL;
  if (d->type == TG_NCCL_PROFILE_COLL) {
    struct tg_nccl_slot* s = legacy_slot(d->coll.commHash, d->rank, d->coll.name);
    if (s == NULL) { count_dropped(); return tgNcclSuccess; }
    count(s, kind_of_v1_func(d->coll.func),
          (uint64_t)d->coll.count * size_of_v1_datatype(d->coll.datatype), d->rank, d->coll.root);
  } else if (d->type == TG_NCCL_PROFILE_P2P) {
    struct tg_nccl_slot* s = legacy_slot(d->p2p.commHash, d->rank, d->p2p.name);
    if (s == NULL) { count_dropped(); return tgNcclSuccess; }
    count(s, kind_of_v1_func(d->p2p.func),
          (uint64_t)d->p2p.count * size_of_v1_datatype(d->p2p.datatype), d->rank, -1);
  }
  return tgNcclSuccess;
}

/* v2 and v3 differ only after coll.datatype, which this plugin does not read past. */
#define TG_START_LEGACY(VER, DESCR)                                                         \
  static tg_nccl_result_t start_##VER(void* context, void** handle, DESCR* d) {            \
    (void)context;                                                                          \
    *handle = NULL;                                                                         \
    if (d->type == TG_NCCL_PROFILE_COLL) {                                                  \
      struct tg_nccl_slot* s = legacy_slot(d->coll.commHash, d->rank, d->coll.name);        \
      if (s == NULL) { count_dropped(); return tgNcclSuccess; }                             \
      count(s, kind_of_func(d->coll.func),                                                  \
            (uint64_t)d->coll.count * size_of_datatype(d->coll.datatype), d->rank,          \
            d->coll.root);                                                                  \
    } else if (d->type == TG_NCCL_PROFILE_P2P) {                                            \
      struct tg_nccl_slot* s = legacy_slot(d->p2p.commHash, d->rank, d->p2p.name);          \
      if (s == NULL) { count_dropped(); return tgNcclSuccess; }                             \
      count(s, kind_of_func(d->p2p.func),                                                   \
            (uint64_t)d->p2p.count * size_of_datatype(d->p2p.datatype), d->rank, -1);       \
    }                                                                                       \
    return tgNcclSuccess;                                                                   \
  }
TG_START_LEGACY(v2, tg_descr_v2_t)
TG_START_LEGACY(v3, tg_descr_v3_t)

/* v4..v6: the slot is the context. */
#define TG_START_COMM(VER, DESCR)                                                           \
  static tg_nccl_result_t start_##VER(void* context, void** handle, DESCR* d) {            \
    *handle = NULL;                                                                         \
    struct tg_nccl_slot* s = context;                                                       \
    if (d->type == TG_NCCL_PROFILE_COLL) {                                                  \
      if (s == NULL) { count_dropped(); return tgNcclSuccess; }                             \
      count(s, kind_of_func(d->coll.func),                                                  \
            (uint64_t)d->coll.count * size_of_datatype(d->coll.datatype), d->rank,          \
            d->coll.root);                                                                  \
    } else if (d->type == TG_NCCL_PROFILE_P2P) {                                            \
      if (s == NULL) { count_dropped(); return tgNcclSuccess; }                             \
      count(s, kind_of_func(d->p2p.func),                                                   \
            (uint64_t)d->p2p.count * size_of_datatype(d->p2p.datatype), d->rank, -1);       \
    }                                                                                       \
    return tgNcclSuccess;                                                                   \
  }
TG_START_COMM(v4, tg_descr_v4_t)
TG_START_COMM(v5, tg_descr_v5_t)

static tg_nccl_result_t stop_event(void* handle) {
  (void)handle; /* always NULL: startEvent hands out no handles */
  return tgNcclSuccess;
}

static tg_nccl_result_t record_state(void* handle, int state, tg_state_args_t* args) {
  (void)handle;
  (void)state;
  (void)args;
  return tgNcclSuccess;
}

/* The file outlives the communicators on purpose: the agent reads the final counts after the
 * last comm is destroyed, and removes the file once the process has exited. */
static tg_nccl_result_t finalize(void* context) {
  (void)context;
  return tgNcclSuccess;
}

TG_EXPORT const tg_profiler_v1_t ncclProfiler_v1 = {"telegen", init_v1, start_v1, stop_event,
                                                    record_state, finalize};
TG_EXPORT const tg_profiler_v2_t ncclProfiler_v2 = {"telegen", init_v2, start_v2, stop_event,
                                                    record_state, finalize};
TG_EXPORT const tg_profiler_v3_t ncclProfiler_v3 = {"telegen", init_v3, start_v3, stop_event,
                                                    record_state, finalize};
TG_EXPORT const tg_profiler_v4_t ncclProfiler_v4 = {"telegen", init_v4, start_v4, stop_event,
                                                    record_state, finalize};
TG_EXPORT const tg_profiler_v5_t ncclProfiler_v5 = {"telegen", init_v5, start_v5, stop_event,
                                                    record_state, finalize};
TG_EXPORT const tg_profiler_v6_t ncclProfiler_v6 = {"telegen", init_v6, start_v5, stop_event,
                                                    record_state, finalize};
