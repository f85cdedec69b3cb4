/*
 * gurt/list.h: intrusive doubly-linked circular lists, with DAOS's names
 * (d_list_t embedded in a record, container_of to get back to the record).
 * A head is a d_list_t whose next and prev point to itself when empty.
 */
#ifndef GURT_LIST_H
#define GURT_LIST_H

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct d_list_head {
	struct d_list_head *next;
	struct d_list_head *prev;
} d_list_t;

#define D_LIST_HEAD_INIT(name) { &(name), &(name) }
#define D_LIST_HEAD(name)      d_list_t name = D_LIST_HEAD_INIT(name)

static inline void
D_INIT_LIST_HEAD(d_list_t *head)
{
	head->next = head;
	head->prev = head;
}

static inline void
d_list_insert_(d_list_t *entry, d_list_t *prev, d_list_t *next)
{
	next->prev  = entry;
	entry->next = next;
	entry->prev = prev;
	prev->next  = entry;
}

/** Add entry right after head (stack order). */
static inline void
d_list_add(d_list_t *entry, d_list_t *head)
{
	d_list_insert_(entry, head, head->next);
}

/** Add entry before head (queue order). */
static inline void
d_list_add_tail(d_list_t *entry, d_list_t *head)
{
	d_list_insert_(entry, head->prev, head);
}

/** Unlink entry; its pointers are left dangling (use d_list_del_init to reuse it). */
static inline void
d_list_del(d_list_t *entry)
{
	entry->prev->next = entry->next;
	entry->next->prev = entry->prev;
	entry->next       = NULL;
	entry->prev       = NULL;
}

/** Unlink entry and make it an empty list of its own. */
static inline void
d_list_del_init(d_list_t *entry)
{
	entry->prev->next = entry->next;
	entry->next->prev = entry->prev;
	D_INIT_LIST_HEAD(entry);
}

/** Move entry to the front of head's list. */
static inline void
d_list_move(d_list_t *entry, d_list_t *head)
{
	entry->prev->next = entry->next;
	entry->next->prev = entry->prev;
	d_list_add(entry, head);
}

static inline bool
d_list_empty(const d_list_t *head)
{
	return head->next == head;
}

#ifndef container_of
/** The record of type @type whose member @member is at @ptr. */
#define container_of(ptr, type, member) ((type *)((char *)(ptr) - offsetof(type, member)))
#endif

#define d_list_entry(ptr, type, member) container_of(ptr, type, member)

#define d_list_for_each(pos, head) for ((pos) = (head)->next; (pos) != (head); (pos) = (pos)->next)

#define d_list_for_each_safe(pos, n, head)                                                   \
	for ((pos) = (head)->next, (n) = (pos)->next; (pos) != (head);                       \
	     (pos) = (n), (n) = (pos)->next)

#define d_list_for_each_entry(pos, head, member)                                             \
	for ((pos) = d_list_entry((head)->next, __typeof__(*(pos)), member);                 \
	     &(pos)->member != (head);                                                       \
	     (pos) = d_list_entry((pos)->member.next, __typeof__(*(pos)), member))

#define d_list_for_each_entry_safe(pos, n, head, member)                                     \
	for ((pos) = d_list_entry((head)->next, __typeof__(*(pos)), member),                 \
	    (n)    = d_list_entry((pos)->member.next, __typeof__(*(pos)), member);           \
	     &(pos)->member != (head);                                                       \
	     (pos) = (n), (n) = d_list_entry((n)->member.next, __typeof__(*(n)), member))

#ifdef __cplusplus
}
#endif

#endif /* GURT_LIST_H */
