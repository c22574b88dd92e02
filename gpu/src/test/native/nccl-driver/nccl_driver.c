/*
 * nccl-driver: plays NCCL against the Telegen profiler plugin, for the gpu module's tests.
 *
 *   nccl-driver <plugin.so> v1|v6                    run the named sequence once and exit
 *   nccl-driver <plugin.so> --hold SECONDS --every MS
 *                                                    print the pid, then issue one v6
 *                                                    AllReduce (256 x float32 = 1024 bytes)
 *                                                    every MS milliseconds for SECONDS
 *
 * It dlopens the plugin by path and calls ncclProfiler_v1 / ncclProfiler_v6 with descriptors
 * laid out as NCCL lays them out. The structs here are declared independently of the plugin's
 * own declarations (from NVIDIA/nccl plugins/profiler/example/nccl/profiler_v1.h and
 * profiler_v6.h), so a layout mistake on either side shows up as wrong counts in the tests.
 * The expected byte counts are written out in NcclCounterSourceTest; keep the two in step.
 * The plugin writes to $TELEGEN_NCCL_DIR, which the test points at a temporary directory.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

typedef int ncclResult_t; /* enum; 0 = ncclSuccess */
typedef void (*ncclDebugLogger_t)(int level, unsigned long flags, const char* file, int line,
                                  const char* fmt, ...);

enum {
  ProfileGroup = 1 << 0, ProfileColl = 1 << 1, ProfileP2p = 1 << 2, ProfileProxyOp = 1 << 3,
  ProfileKernelCh = 1 << 6, ProfileGroupApi = 1 << 8, ProfileCeColl = 1 << 12,
};

/* ncclFunc_t and ncclDataType_t values as NCCL 2.23 hands them to a v1 plugin. */
enum { FuncBroadcast = 0, FuncReduce = 1, FuncAllGather = 2, FuncReduceScatter = 3,
       FuncAllReduce = 4, FuncSendRecv = 5, FuncSend = 6, FuncRecv = 7 };
enum { Int8 = 0, Uint8 = 1, Int32 = 2, Uint32 = 3, Int64 = 4, Uint64 = 5, Float16 = 6,
       Float32 = 7, Float64 = 8, Bfloat16 = 9 };

typedef struct {
  uint8_t type;
  void* parentObj;
  int rank;
  union {
    struct {
      const char* name; uint64_t commHash; uint64_t seqNumber; uint8_t func;
      void const* sendBuff; void* recvBuff; size_t count; int root; uint8_t datatype;
      uint32_t op; size_t trafficBytes; uint8_t nMaxChannels; uint8_t nWarps; uint8_t algo;
      uint8_t proto; int isCollnet; int isNvls;
    } coll;
    struct {
      const char* name; uint64_t commHash; uint8_t func; void* buff; uint8_t datatype;
      size_t count; int peer;
    } p2p;
    struct { pid_t pid; uint8_t channelId; int peer; int nSteps; int chunkSize; int isSend; } proxyOp;
    struct { int step; } proxyStep;
  };
} descr_v1_t;

typedef struct {
  const char* name;
  ncclResult_t (*init)(void** context, int* eActivationMask);
  ncclResult_t (*startEvent)(void* context, void** eHandle, descr_v1_t* eDescr);
  ncclResult_t (*stopEvent)(void* eHandle);
  ncclResult_t (*recordEventState)(void* eHandle, int eState, void* eStateArgs);
  ncclResult_t (*finalize)(void* context);
} profiler_v1_t;

typedef struct {
  uint64_t type;
  void* parentObj;
  int rank;
  union {
    struct { bool graphCaptured; int groupDepth; } groupApi;
    struct { const char* func; size_t count; const char* datatype; int root; void* stream;
             bool graphCaptured; } collApi;
    struct { const char* func; size_t count; const char* datatype; void* stream;
             bool graphCaptured; } p2pApi;
    struct { void* stream; } kernelLaunch;
    struct {
      uint64_t seqNumber; const char* func; void const* sendBuff; void* recvBuff; size_t count;
      int root; const char* datatype; uint8_t nChannels; uint8_t nWarps; const char* algo;
      const char* proto; void* parentGroup;
    } coll;
    struct {
      const char* func; void* buff; const char* datatype; size_t count; int peer;
      uint8_t nChannels; void* parentGroup;
    } p2p;
    struct { pid_t pid; uint8_t channelId; int peer; int nSteps; int chunkSize; int isSend; } proxyOp;
    struct { int step; } proxyStep;
    struct { uint8_t channelId; uint64_t pTimer; } kernelCh;
    struct { int64_t id; void* data; } netPlugin;
    struct {
      uint64_t seqNumber; const char* func; void const* sendBuff; void* recvBuff; size_t count;
      int root; const char* datatype; const char* syncStrategy; bool intraBatchSync;
      uint32_t batchSize; uint32_t numBatches; uint32_t ceSeqNum; void* stream;
    } ceColl;
    struct { bool isComplete; int nRanks; } ceCollSync;
    struct { int numOps; size_t totalBytes; bool useIntraSync; } ceCollBatch;
  };
} descr_v6_t;

typedef struct {
  const char* name;
  ncclResult_t (*init)(void** context, uint64_t commId, int* eActivationMask,
                       const char* commName, int nNodes, int nranks, int rank,
                       ncclDebugLogger_t logfn);
  ncclResult_t (*startEvent)(void* context, void** eHandle, descr_v6_t* eDescr);
  ncclResult_t (*stopEvent)(void* eHandle);
  ncclResult_t (*recordEventState)(void* eHandle, int eState, void* eStateArgs);
  ncclResult_t (*finalize)(void* context);
} profiler_v6_t;

_Static_assert(__builtin_offsetof(descr_v1_t, coll.count) == 72, "v1 coll.count");
_Static_assert(__builtin_offsetof(descr_v1_t, coll.datatype) == 84, "v1 coll.datatype");
_Static_assert(__builtin_offsetof(descr_v6_t, coll.datatype) == 72, "v6 coll.datatype");
_Static_assert(__builtin_offsetof(descr_v6_t, p2p.count) == 48, "v6 p2p.count");

static int failures;

static void check(ncclResult_t r, const char* what) {
  if (r != 0) {
    fprintf(stderr, "nccl-driver: %s returned %d, want ncclSuccess (0)\n", what, r);
    failures++;
  }
}

static void logger(int level, unsigned long flags, const char* file, int line, const char* fmt,
                   ...) {
  (void)level; (void)flags; (void)file; (void)line; (void)fmt; /* NCCL would print; we don't */
}

/* One event as NCCL issues it: start, then stop on whatever handle came back, plus a state
 * record, which a real NCCL sends for proxy events only but the plugin must tolerate. */
static void event_v1(profiler_v1_t* p, void* ctx, descr_v1_t* d) {
  void* handle = (void*)0x1; /* the plugin must overwrite it */
  check(p->startEvent(ctx, &handle, d), "v1 startEvent");
  if (handle != NULL) { fprintf(stderr, "nccl-driver: v1 handle not NULL\n"); failures++; }
  check(p->recordEventState(handle, 9, NULL), "v1 recordEventState");
  check(p->stopEvent(handle), "v1 stopEvent");
}

static void coll_v1(profiler_v1_t* p, void* ctx, uint64_t hash, const char* name, int rank,
                    uint8_t func, uint8_t dt, size_t count, int root) {
  descr_v1_t d;
  memset(&d, 0, sizeof d);
  d.type = ProfileColl; d.rank = rank;
  d.coll.name = name; d.coll.commHash = hash; d.coll.func = func; d.coll.count = count;
  d.coll.root = root; d.coll.datatype = dt; d.coll.trafficBytes = 12345; /* ignored */
  event_v1(p, ctx, &d);
}

static void p2p_v1(profiler_v1_t* p, void* ctx, uint64_t hash, const char* name, int rank,
                   uint8_t func, uint8_t dt, size_t count, int peer) {
  descr_v1_t d;
  memset(&d, 0, sizeof d);
  d.type = ProfileP2p; d.rank = rank;
  d.p2p.name = name; d.p2p.commHash = hash; d.p2p.func = func; d.p2p.datatype = dt;
  d.p2p.count = count; d.p2p.peer = peer;
  event_v1(p, ctx, &d);
}

/* NCCL 2.23-style process: two communicators, identity only in the descriptors. */
static void sequence_v1(profiler_v1_t* p) {
  const uint64_t A = 0x1111222233334444ull, B = 0xabcdef0012345678ull;
  void *ctxA = NULL, *ctxB = NULL;
  int mask = 0;
  check(p->init(&ctxA, &mask), "v1 init A");
  if (mask != (ProfileColl | ProfileP2p)) {
    fprintf(stderr, "nccl-driver: v1 mask %#x, want Coll|P2p\n", mask);
    failures++;
  }
  check(p->init(&ctxB, &mask), "v1 init B");

  descr_v1_t group; memset(&group, 0, sizeof group);
  group.type = ProfileGroup; group.rank = 1;
  event_v1(p, ctxA, &group); /* must be ignored */

  coll_v1(p, ctxA, A, "world", 1, FuncAllReduce, Float32, 1024, 0);
  coll_v1(p, ctxA, A, "world", 1, FuncAllReduce, Float32, 1024, 0);
  coll_v1(p, ctxA, A, "world", 1, FuncAllGather, Bfloat16, 1000, 0);
  coll_v1(p, ctxA, A, "world", 1, FuncBroadcast, Int64, 10, 1);    /* root */
  coll_v1(p, ctxA, A, "world", 1, FuncBroadcast, Uint8, 7, 0);     /* non-root */
  coll_v1(p, ctxA, A, "world", 1, FuncReduce, Float16, 100, 0);    /* non-root */
  coll_v1(p, ctxA, A, "world", 1, FuncReduceScatter, Float64, 3, 0);
  coll_v1(p, ctxA, A, "world", 1, FuncSendRecv, Int32, 2, 0);      /* Other */
  p2p_v1(p, ctxA, A, "world", 1, FuncSend, Float32, 256, 0);
  p2p_v1(p, ctxA, A, "world", 1, FuncRecv, Int8, 33, 0);
  coll_v1(p, ctxB, B, NULL, 0, FuncReduce, Int32, 5, 0);           /* root */

  descr_v1_t proxy; memset(&proxy, 0, sizeof proxy);
  proxy.type = ProfileProxyOp; proxy.rank = 1; proxy.proxyOp.pid = getpid();
  event_v1(p, ctxA, &proxy); /* not asked for; must be ignored */

  check(p->finalize(ctxA), "v1 finalize A");
  check(p->finalize(ctxB), "v1 finalize B");
}

static void event_v6(profiler_v6_t* p, void* ctx, descr_v6_t* d) {
  void* handle = (void*)0x1;
  check(p->startEvent(ctx, &handle, d), "v6 startEvent");
  if (handle != NULL) { fprintf(stderr, "nccl-driver: v6 handle not NULL\n"); failures++; }
  check(p->recordEventState(handle, 22, NULL), "v6 recordEventState");
  check(p->stopEvent(handle), "v6 stopEvent");
}

static void coll_v6(profiler_v6_t* p, void* ctx, int rank, const char* func, const char* dt,
                    size_t count, int root) {
  descr_v6_t d;
  memset(&d, 0, sizeof d);
  d.type = ProfileColl; d.rank = rank;
  d.coll.func = func; d.coll.count = count; d.coll.root = root; d.coll.datatype = dt;
  d.coll.algo = "RING"; d.coll.proto = "SIMPLE";
  event_v6(p, ctx, &d);
}

static void p2p_v6(profiler_v6_t* p, void* ctx, int rank, const char* func, const char* dt,
                   size_t count, int peer) {
  descr_v6_t d;
  memset(&d, 0, sizeof d);
  d.type = ProfileP2p; d.rank = rank;
  d.p2p.func = func; d.p2p.datatype = dt; d.p2p.count = count; d.p2p.peer = peer;
  event_v6(p, ctx, &d);
}

/* NCCL 2.29-style process: comm identity in init. */
static void sequence_v6(profiler_v6_t* p) {
  void *ctxC = NULL, *ctxD = NULL;
  int mask = 0;
  check(p->init(&ctxC, 0x0123456789abcdefull, &mask, "tp-group", 2, 8, 3, logger), "v6 init C");
  if (mask != (ProfileColl | ProfileP2p)) {
    fprintf(stderr, "nccl-driver: v6 mask %#x, want Coll|P2p\n", mask);
    failures++;
  }
  check(p->init(&ctxD, 0xfeedface00000001ull, &mask, "", 1, 2, 0, logger), "v6 init D");

  descr_v6_t ignored; memset(&ignored, 0, sizeof ignored);
  ignored.type = ProfileGroupApi; ignored.rank = 3;
  event_v6(p, ctxC, &ignored);
  ignored.type = ProfileGroup;
  event_v6(p, ctxC, &ignored);

  coll_v6(p, ctxC, 3, "AllReduce", "ncclFloat32", 1000, 0);
  coll_v6(p, ctxC, 3, "AllReduce", "ncclFloat32", 1000, 0);
  coll_v6(p, ctxC, 3, "AllGather", "ncclBfloat16", 512, 0);
  coll_v6(p, ctxC, 3, "Broadcast", "ncclFloat16", 64, 3);   /* root */
  coll_v6(p, ctxC, 3, "Broadcast", "ncclFloat32", 64, 0);   /* non-root */
  coll_v6(p, ctxC, 3, "Reduce", "ncclInt64", 9, 3);         /* root */
  coll_v6(p, ctxC, 3, "AlltoAll", "ncclInt32", 50, 0);
  coll_v6(p, ctxC, 3, "Gather", "ncclFloat64", 4, 0);       /* non-root */
  coll_v6(p, ctxC, 3, "Scatter", "ncclFloat32", 8, 3);      /* root */
  coll_v6(p, ctxC, 3, "ReduceScatter", "Unknown", 77, 0);   /* ncclUint8 prints Unknown */
  p2p_v6(p, ctxC, 3, "Send", "ncclFloat8e4m3", 300, 2);
  p2p_v6(p, ctxC, 3, "Recv", "ncclUint64", 3, 2);
  coll_v6(p, ctxD, 0, "AllReduce", "ncclInt8", 5, 0);
  coll_v6(p, ctxD, 0, "PutSignal", "ncclInt32", 1, 0);      /* Other */

  descr_v6_t other; memset(&other, 0, sizeof other);
  other.rank = 3;
  other.type = ProfileProxyOp; other.proxyOp.pid = getpid();
  event_v6(p, ctxC, &other);
  other.type = ProfileKernelCh;
  event_v6(p, ctxC, &other);
  memset(&other, 0, sizeof other);
  other.type = ProfileCeColl; other.rank = 3;
  other.ceColl.func = "AllGather"; other.ceColl.count = 1 << 20; other.ceColl.datatype = "ncclInt8";
  event_v6(p, ctxC, &other);

  check(p->finalize(ctxC), "v6 finalize C");
  check(p->finalize(ctxD), "v6 finalize D");
}

static void hold_v6(profiler_v6_t* p, long seconds, long every_ms) {
  void* ctx = NULL;
  int mask = 0;
  check(p->init(&ctx, 0x5eedull, &mask, "steady", 1, 1, 0, logger), "v6 init steady");
  printf("%d\n", (int)getpid());
  fflush(stdout);
  struct timespec start, now, pause = {every_ms / 1000, (every_ms % 1000) * 1000000L};
  clock_gettime(CLOCK_MONOTONIC, &start);
  do {
    coll_v6(p, ctx, 0, "AllReduce", "ncclFloat32", 256, 0);
    nanosleep(&pause, NULL);
    clock_gettime(CLOCK_MONOTONIC, &now);
  } while (now.tv_sec - start.tv_sec < seconds);
  check(p->finalize(ctx), "v6 finalize steady");
}

static int usage(void) {
  fprintf(stderr, "usage: nccl-driver <plugin.so> v1|v6\n"
                  "       nccl-driver <plugin.so> --hold SECONDS --every MS\n");
  return 2;
}

int main(int argc, char** argv) {
  if (argc < 3) return usage();
  void* lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (lib == NULL) {
    fprintf(stderr, "nccl-driver: cannot load %s: %s\n", argv[1], dlerror());
    return 1;
  }
  profiler_v1_t* v1 = dlsym(lib, "ncclProfiler_v1");
  profiler_v6_t* v6 = dlsym(lib, "ncclProfiler_v6");
  if (v1 == NULL || v6 == NULL) {
    fprintf(stderr, "nccl-driver: %s lacks ncclProfiler_v1 or ncclProfiler_v6\n", argv[1]);
    return 1;
  }
  if (strcmp(v1->name, "telegen") != 0 || strcmp(v6->name, "telegen") != 0) {
    fprintf(stderr, "nccl-driver: plugin name is not \"telegen\"\n");
    return 1;
  }
  if (strcmp(argv[2], "v1") == 0 && argc == 3) {
    sequence_v1(v1);
  } else if (strcmp(argv[2], "v6") == 0 && argc == 3) {
    sequence_v6(v6);
  } else if (strcmp(argv[2], "--hold") == 0 && argc == 6 && strcmp(argv[4], "--every") == 0) {
    hold_v6(v6, atol(argv[3]), atol(argv[5]));
  } else {
    return usage();
  }
  if (failures != 0) {
    fprintf(stderr, "nccl-driver: %d check(s) failed\n", failures);
    return 1;
  }
  return 0;
}
