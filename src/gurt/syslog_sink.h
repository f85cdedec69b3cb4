/*
 * syslog_sink.h: RAS and daemon messages to the system log, over the syslog unix
 * datagram socket, in the RFC 3164 form syslog daemons take:
 *   <PRI>Mmm dd hh:mm:ss ident[pid]: message
 * PRI = facility * 8 + severity (LOG_DAEMON and LOG_ERR/LOG_WARNING/
 * LOG_NOTICE/... from <syslog.h>).
 *
 * Why not syslog(3): the socket is /dev/log there, fixed. Here it is
 * /dev/log unless DAOS_SYSLOG_SOCKET names another one, so a test can own the
 * socket that receives the events of the servers it starts.
 *
 * Sends never block: a full or missing receiver drops the message (counted,
 * and the next send retries the connection). Thread-safe.
 */
#ifndef GURT_SYSLOG_SINK_H
#define GURT_SYSLOG_SINK_H

#include <stdint.h>

/** Default socket, and the environment variable that overrides it. */
#define D_SYSLOG_PATH_DEFAULT "/dev/log"
#define D_SYSLOG_ENV          "DAOS_SYSLOG_SOCKET"
/** Identity: "daos_server", "daos_engine" and the like fit with room. */
#define D_SYSLOG_IDENT_MAX    32
/** Largest datagram: RFC 3164 says 1024 bytes; daemons accept 8 KiB and a RAS
 *  line with its data field fits. Longer messages are cut. */
#define D_SYSLOG_MSG_MAX      8192

/** Set the identity (cut at D_SYSLOG_IDENT_MAX - 1) and the facility (LOG_DAEMON...). */
void d_syslog_open(const char *ident, int facility);
/** Send one message at @severity (LOG_ERR, ...). 0, or -DER_* when it was dropped. */
int d_syslog(int severity, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/** Messages dropped so far (no receiver, or its queue full). */
uint64_t d_syslog_dropped(void);
/** Close the socket (a later d_syslog() opens it again). */
void d_syslog_close(void);

#endif /* GURT_SYSLOG_SINK_H */
