/*
 * daos_errno.h: the DER_* error codes.
 *
 * Every function of the project returns 0 on success or a negative DER_* code.
 * The numbers follow DAOS: the GURT range starts at 1000, the DAOS range at
 * 2000, and numbers are appended, never reused. One X-macro table yields the
 * enum, the names (d_errstr) and the descriptions (d_errdesc), so the three
 * cannot drift apart.
 */
#ifndef DAOS_ERRNO_H
#define DAOS_ERRNO_H

#ifdef __cplusplus
extern "C" {
#endif

#define DER_ERR_GURT_BASE 1000
#define DER_ERR_DAOS_BASE 2000

/* ACTION(name, number, description) */
#define D_FOREACH_GURT_ERR(ACTION)                                                        \
	ACTION(DER_NO_PERM, 1001, "Operation not permitted")                              \
	ACTION(DER_NO_HDL, 1002, "Invalid handle")                                        \
	ACTION(DER_INVAL, 1003, "Invalid parameters")                                     \
	ACTION(DER_EXIST, 1004, "Entity already exists")                                  \
	ACTION(DER_NONEXIST, 1005, "The specified entity does not exist")                 \
	ACTION(DER_UNREACH, 1006, "Unreachable node")                                     \
	ACTION(DER_NOSPACE, 1007, "No space on storage target")                           \
	ACTION(DER_ALREADY, 1008, "Operation already performed")                          \
	ACTION(DER_NOMEM, 1009, "Out of memory")                                          \
	ACTION(DER_NOSYS, 1010, "Function not implemented")                               \
	ACTION(DER_TIMEDOUT, 1011, "Time out")                                            \
	ACTION(DER_BUSY, 1012, "Device or resource busy")                                 \
	ACTION(DER_AGAIN, 1013, "Try again")                                              \
	ACTION(DER_PROTO, 1014, "Incompatible protocol")                                  \
	ACTION(DER_UNINIT, 1015, "Not initialized")                                       \
	ACTION(DER_TRUNC, 1016, "Buffer too short")                                       \
	ACTION(DER_OVERFLOW, 1017, "Data too long for defined data type or buffer size") \
	ACTION(DER_CANCELED, 1018, "Operation canceled")                                  \
	ACTION(DER_OOG, 1019, "Out of group or member list")                              \
	ACTION(DER_HG, 1020, "Transport layer error")                                     \
	ACTION(DER_UNREG, 1021, "RPC or protocol version not registered")                 \
	ACTION(DER_ADDRSTR_GEN, 1022, "Failed to generate an address string")             \
	ACTION(DER_PMIX, 1023, "PMIx layer error")                                        \
	ACTION(DER_IVCB_FORWARD, 1024, "IV callback cannot be handled locally")           \
	ACTION(DER_MISC, 1025, "Miscellaneous error")                                     \
	ACTION(DER_BADPATH, 1026, "Bad path name")                                        \
	ACTION(DER_NOTDIR, 1027, "Not a directory")                                       \
	ACTION(DER_CORPC_INCOMPLETE, 1028, "Collective RPC failed")                       \
	ACTION(DER_NO_RAS_RANK, 1029, "No rank is subscribed to RAS")                     \
	ACTION(DER_NOTATTACH, 1030, "Service group not attached")                         \
	ACTION(DER_MISMATCH, 1031, "Version mismatch")                                    \
	ACTION(DER_EXCLUDED, 1032, "Rank excluded")                                       \
	ACTION(DER_NOREPLY, 1033, "RPC handler did not send a reply")                     \
	ACTION(DER_DOS, 1034, "Denial of service")                                        \
	ACTION(DER_BAD_TARGET, 1035, "Incorrect target for the RPC")                      \
	ACTION(DER_GRPVER, 1036, "Group version mismatch")                                \
	ACTION(DER_HLC_SYNC, 1037, "HLC synchronization error")                           \
	ACTION(DER_NO_SHMEM, 1038, "Not enough shared memory")                            \
	ACTION(DER_ADD_METRIC_FAILED, 1039, "Failed to add metric")                       \
	ACTION(DER_DURATION_MISMATCH, 1040, "Duration start and end do not match")        \
	ACTION(DER_OP_NOT_PERMITTED, 1041, "Operation not permitted on metric type")      \
	ACTION(DER_EXCEEDS_PATH_LEN, 1042, "Path name exceeds permitted length")          \
	ACTION(DER_METRIC_NOT_FOUND, 1043, "Metric not found")                            \
	ACTION(DER_SHMEM_PERMS, 1044, "Invalid shared memory permissions")                \
	ACTION(DER_HG_FATAL, 1045, "Fatal transport layer error")

#define D_FOREACH_DAOS_ERR(ACTION)                                                        \
	ACTION(DER_IO, 2001, "Generic I/O error")                                         \
	ACTION(DER_FREE_MEM, 2002, "Memory free failed")                                  \
	ACTION(DER_ENOENT, 2003, "Entry not found")                                       \
	ACTION(DER_NOTYPE, 2004, "Unknown object type")                                   \
	ACTION(DER_NOSCHEMA, 2005, "Unknown object schema")                               \
	ACTION(DER_NOLOCAL, 2006, "Object is not local")                                  \
	ACTION(DER_STALE, 2007, "Stale resource version")                                 \
	ACTION(DER_NOTLEADER, 2008, "Not service leader")                                 \
	ACTION(DER_TGT_CREATE, 2009, "Target create error")                               \
	ACTION(DER_EP_RO, 2010, "Epoch is read-only")                                     \
	ACTION(DER_EP_OLD, 2011, "Epoch is too old, its data have been reclaimed")        \
	ACTION(DER_KEY2BIG, 2012, "Key is too large")                                     \
	ACTION(DER_REC2BIG, 2013, "Record is too large")                                  \
	ACTION(DER_IO_INVAL, 2014, "I/O buffers do not match object extents")             \
	ACTION(DER_EQ_BUSY, 2015, "Event queue is busy")                                  \
	ACTION(DER_DOMAIN, 2016, "Domain of cluster component does not match")            \
	ACTION(DER_SHUTDOWN, 2017, "Service should shut down")                            \
	ACTION(DER_INPROGRESS, 2018, "Operation now in progress")                         \
	ACTION(DER_NOTAPPLICABLE, 2019, "Not applicable")                                 \
	ACTION(DER_NOTREPLICA, 2020, "Not a service replica")                             \
	ACTION(DER_CSUM, 2021, "Checksum error")                                          \
	ACTION(DER_DF_INVAL, 2022, "Invalid durable format")                              \
	ACTION(DER_DF_INCOMPT, 2023, "Incompatible durable format version")               \
	ACTION(DER_REC_SIZE, 2024, "Record size error")                                   \
	ACTION(DER_TX_RESTART, 2025, "Transaction should restart")                        \
	ACTION(DER_DATA_LOSS, 2026, "Data lost or not recoverable")                       \
	ACTION(DER_OP_CANCELED, 2027, "Operation canceled")                               \
	ACTION(DER_TX_BUSY, 2028, "Transaction is not committed")                         \
	ACTION(DER_AGENT_INCOMPAT, 2029, "Agent is incompatible with libdaos")            \
	ACTION(DER_NEED_TX, 2030, "To be handled through a distributed transaction")      \
	ACTION(DER_RF, 2031, "Failures exceed the redundancy factor")                     \
	ACTION(DER_FETCH_AGAIN, 2032, "Fetch again")                                      \
	ACTION(DER_TX_UNCERTAIN, 2033, "Transaction status is uncertain")                 \
	ACTION(DER_AGENT_COMM, 2034, "Communication issue with agent")                    \
	ACTION(DER_ID_MISMATCH, 2035, "Identifier mismatch")                              \
	ACTION(DER_TGT_RETRY, 2036, "Retry with another target")                          \
	ACTION(DER_NOTSUPPORTED, 2037, "Operation not supported")                         \
	ACTION(DER_CONTROL_INCOMPAT, 2038, "Incompatible control plane version")          \
	ACTION(DER_NO_SERVICE, 2039, "No service available")                              \
	ACTION(DER_TX_ID_REUSED, 2040, "Transaction identifier reused")                   \
	ACTION(DER_UPDATE_AGAIN, 2041, "Update again")                                    \
	ACTION(DER_NVME_IO, 2042, "NVMe I/O error")                                       \
	ACTION(DER_NO_CERT, 2043, "Unable to access one or more certificates")            \
	ACTION(DER_BAD_CERT, 2044, "Invalid certificate")                                 \
	ACTION(DER_VOS_PARTIAL_UPDATE, 2045, "VOS partial update error")                  \
	ACTION(DER_CHKPT_BUSY, 2046, "Checkpointing is in progress")                      \
	ACTION(DER_DIV_BY_ZERO, 2047, "Division by zero")                                 \
	ACTION(DER_OVERLOAD_RETRY, 2048, "Server is overloaded, retry later")             \
	ACTION(DER_NOT_RESUME, 2049, "Cannot resume the former checking instance")        \
	ACTION(DER_CONT_NONEXIST, 2050, "The specified container does not exist")

#define D_DEFINE_ERRNO_ENUM(name, value, desc) name = value,

enum daos_errno {
	DER_SUCCESS = 0,
	D_FOREACH_GURT_ERR(D_DEFINE_ERRNO_ENUM)
	D_FOREACH_DAOS_ERR(D_DEFINE_ERRNO_ENUM)
	DER_UNKNOWN = DER_ERR_GURT_BASE + 500000,
};

#undef D_DEFINE_ERRNO_ENUM

/** Old name of DER_EXCLUDED, kept for applications written against it. */
#define DER_EVICTED DER_EXCLUDED

/**
 * Symbolic name of an error code, e.g. "DER_NONEXIST". Accepts the code
 * negative or positive; 0 gives "DER_SUCCESS" and anything unknown gives
 * "DER_UNKNOWN". The string is static.
 */
const char *d_errstr(int rc);

/** Human description of an error code ("Unknown error code" when unknown). */
const char *d_errdesc(int rc);

/** Format and arguments that print "DER_NOSYS(-1010): 'Function not implemented'". */
#define DF_RC       "%s(%d): '%s'"
#define DP_RC(rc)   d_errstr(rc), (int)(rc), d_errdesc(rc)

#ifdef __cplusplus
}
#endif

#endif /* DAOS_ERRNO_H */
