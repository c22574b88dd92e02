/*
 * nccl_profiler_abi.h: the parts of NCCL's profiler plugin ABI (interfaces v1..v6) that the
 * Telegen plugin uses, declared from NVIDIA's published layout
 * (NVIDIA/nccl plugins/profiler/example/nccl/profiler_v{1..6}.h, common.h, err.h).
 *
 * Only the descriptor members this plugin reads are declared (coll, p2p); the union members
 * left out are never larger than what NCCL allocates, and we only ever read through NCCL's
 * pointer, so leaving them out cannot change an offset we use. The _Static_asserts pin the
 * offsets on LP64 to the values computed from NVIDIA's headers; a mismatch fails the build.
 *
 * Two traps worth knowing:
 *  - v1..v4 descriptors start with `uint8_t type`, v5/v6 with `uint64_t type`;
 *  - v1 carries func and datatype as uint8 enum values (ncclFunc_t, ncclDataType_t), v2+ as
 *    the strings of ncclFuncToString / ncclDatatypeToString.
 */
#ifndef TELEGEN_NCCL_PROFILER_ABI_H_
#define TELEGEN_NCCL_PROFILER_ABI_H_

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

typedef enum { tgNcclSuccess = 0 } tg_nccl_result_t; /* ncclResult_t; only success is ever returned */

typedef void (*tg_nccl_logger_t)(int level, unsigned long flags, const char* file, int line,
                                 const char* fmt, ...);
#define TG_NCCL_LOG_INFO 3 /* ncclDebugLogLevel NCCL_LOG_INFO */
#define TG_NCCL_LOG_WARN 2 /* NCCL_LOG_WARN */
#define TG_NCCL_INIT 1     /* ncclDebugLogSubSys NCCL_INIT */

/* eActivationMask / descriptor type bits (profiler.h). */
#define TG_NCCL_PROFILE_GROUP (1 << 0)
#define TG_NCCL_PROFILE_COLL (1 << 1)
#define TG_NCCL_PROFILE_P2P (1 << 2)

/* ---- v1 (NCCL 2.23) ---- */
typedef struct {
  uint8_t type;
  void* parentObj;
  int rank;
  union {
    struct {
      const char* name;
      uint64_t commHash;
      uint64_t seqNumber;
      uint8_t func; /* ncclFunc_t */
      void const* sendBuff;
      void* recvBuff;
      size_t count;
      int root;
      uint8_t datatype; /* ncclDataType_t */
      uint32_t op;
      size_t trafficBytes;
      uint8_t nMaxChannels;
      uint8_t nWarps;
      uint8_t algo;
      uint8_t proto;
      int isCollnet;
      int isNvls;
    } coll;
    struct {
      const char* name;
      uint64_t commHash;
      uint8_t func;
      void* buff;
      uint8_t datatype;
      size_t count;
      int peer;
    } p2p;
  };
} tg_descr_v1_t;

/* ---- v2 (NCCL 2.24, 2.25) ---- */
typedef struct {
  uint8_t type;
  void* parentObj;
  int rank;
  union {
    struct {
      const char* name;
      uint64_t commHash;
      uint64_t seqNumber;
      const char* func;
      void const* sendBuff;
      void* recvBuff;
      size_t count;
      int root;
      const char* datatype;
      size_t trafficBytes;
      uint8_t nMaxChannels;
      uint8_t nWarps;
      const char* algo;
      const char* proto;
    } coll;
    struct {
      const char* name;
      uint64_t commHash;
      const char* func;
      void* buff;
      const char* datatype;
      size_t count;
      int peer;
    } p2p;
  };
} tg_descr_v2_t;

/* ---- v3 (NCCL 2.26): v2 without coll.trafficBytes ---- */
typedef struct {
  uint8_t type;
  void* parentObj;
  int rank;
  union {
    struct {
      const char* name;
      uint64_t commHash;
      uint64_t seqNumber;
      const char* func;
      void const* sendBuff;
      void* recvBuff;
      size_t count;
      int root;
      const char* datatype;
      uint8_t nMaxChannels;
      uint8_t nWarps;
      const char* algo;
      const char* proto;
    } coll;
    struct {
      const char* name;
      uint64_t commHash;
      const char* func;
      void* buff;
      const char* datatype;
      size_t count;
      int peer;
    } p2p;
  };
} tg_descr_v3_t;

/* ---- v4 (NCCL 2.27): comm identity moves to init ---- */
typedef struct {
  uint8_t type;
  void* parentObj;
  int rank;
  union {
    struct {
      uint64_t seqNumber;
      const char* func;
      void const* sendBuff;
      void* recvBuff;
      size_t count;
      int root;
      const char* datatype;
      uint8_t nChannels;
      uint8_t nWarps;
      const char* algo;
      const char* proto;
    } coll;
    struct {
      const char* func;
      void* buff;
      const char* datatype;
      size_t count;
      int peer;
      uint8_t nChannels;
    } p2p;
  };
} tg_descr_v4_t;

/* ---- v5 (NCCL 2.28) and v6 (NCCL 2.29+): uint64 type, coll/p2p gain parentGroup. v6 only
 * adds copy-engine union members, so for coll/p2p the two layouts are the same. ---- */
typedef struct {
  uint64_t type;
  void* parentObj;
  int rank;
  union {
    struct {
      uint64_t seqNumber;
      const char* func;
      void const* sendBuff;
      void* recvBuff;
      size_t count;
      int root;
      const char* datatype;
      uint8_t nChannels;
      uint8_t nWarps;
      const char* algo;
      const char* proto;
      void* parentGroup;
    } coll;
    struct {
      const char* func;
      void* buff;
      const char* datatype;
      size_t count;
      int peer;
      uint8_t nChannels;
      void* parentGroup;
    } p2p;
  };
} tg_descr_v5_t;

/* The plugin never looks at state arguments, so one opaque type serves every version. */
typedef void tg_state_args_t;

#define TG_PROFILER_STRUCT(VER, INIT_ARGS, DESCR)                                  \
  typedef struct {                                                                 \
    const char* name;                                                              \
    tg_nccl_result_t (*init) INIT_ARGS;                                            \
    tg_nccl_result_t (*startEvent)(void* context, void** eHandle, DESCR* eDescr);  \
    tg_nccl_result_t (*stopEvent)(void* eHandle);                                  \
    tg_nccl_result_t (*recordEventState)(void* eHandle, int eState,                \
                                         tg_state_args_t* eStateArgs);             \
    tg_nccl_result_t (*finalize)(void* context);                                   \
  } tg_profiler_##VER##_t

TG_PROFILER_STRUCT(v1, (void** context, int* eActivationMask), tg_descr_v1_t);
TG_PROFILER_STRUCT(v2, (void** context, int* eActivationMask), tg_descr_v2_t);
TG_PROFILER_STRUCT(v3, (void** context, int* eActivationMask), tg_descr_v3_t);
TG_PROFILER_STRUCT(v4, (void** context, int* eActivationMask, const char* commName,
                        uint64_t commHash, int nNodes, int nranks, int rank,
                        tg_nccl_logger_t logfn), tg_descr_v4_t);
TG_PROFILER_STRUCT(v5, (void** context, uint64_t commId, int* eActivationMask,
                        const char* commName, int nNodes, int nranks, int rank,
                        tg_nccl_logger_t logfn), tg_descr_v5_t);
TG_PROFILER_STRUCT(v6, (void** context, uint64_t commId, int* eActivationMask,
                        const char* commName, int nNodes, int nranks, int rank,
                        tg_nccl_logger_t logfn), tg_descr_v5_t);

#if defined(__LP64__)
/* Offsets computed by hand from NVIDIA's headers for LP64 (x86-64, aarch64). */
_Static_assert(offsetof(tg_descr_v1_t, coll.func) == 48, "v1 coll.func");
_Static_assert(offsetof(tg_descr_v1_t, coll.count) == 72, "v1 coll.count");
_Static_assert(offsetof(tg_descr_v1_t, coll.root) == 80, "v1 coll.root");
_Static_assert(offsetof(tg_descr_v1_t, coll.datatype) == 84, "v1 coll.datatype");
_Static_assert(offsetof(tg_descr_v1_t, p2p.datatype) == 56, "v1 p2p.datatype");
_Static_assert(offsetof(tg_descr_v1_t, p2p.count) == 64, "v1 p2p.count");
_Static_assert(offsetof(tg_descr_v2_t, coll.datatype) == 88, "v2 coll.datatype");
_Static_assert(offsetof(tg_descr_v3_t, coll.proto) == 112, "v3 coll.proto");
_Static_assert(offsetof(tg_descr_v4_t, coll.count) == 56, "v4 coll.count");
_Static_assert(offsetof(tg_descr_v4_t, p2p.count) == 48, "v4 p2p.count");
_Static_assert(offsetof(tg_descr_v5_t, coll.func) == 32, "v5 coll.func");
_Static_assert(offsetof(tg_descr_v5_t, coll.count) == 56, "v5 coll.count");
_Static_assert(offsetof(tg_descr_v5_t, coll.root) == 64, "v5 coll.root");
_Static_assert(offsetof(tg_descr_v5_t, coll.datatype) == 72, "v5 coll.datatype");
_Static_assert(offsetof(tg_descr_v5_t, p2p.datatype) == 40, "v5 p2p.datatype");
_Static_assert(offsetof(tg_descr_v5_t, p2p.count) == 48, "v5 p2p.count");
_Static_assert(sizeof(tg_profiler_v6_t) == 6 * sizeof(void*), "profiler struct");
#endif

#endif /* TELEGEN_NCCL_PROFILER_ABI_H_ */
