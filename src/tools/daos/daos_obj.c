/*
 * daos_obj.c: daos object query <pool> <cont> <HI.LO>.
 *
 * DAOS's tool prints the layout from daos_obj_layout_get(), an internal
 * call (daos/object.h) that this libdaos does not export. What the public
 * API gives is printed instead, in the same shape:
 *   - the class, type and group count encoded in the object id
 *     (daos_obj_id2class, daos_obj_id2type, bits 47..32 of hi);
 *   - the ranks holding the object, from daos_obj_query();
 *   - the largest dkey, from daos_obj_query_key() (or that it is empty).
 * The text keeps DAOS's first line, "oid: HI.LO ver V grp_nr: N", then one
 * "grp: g" block per group. daos_obj_query() gives the distinct ranks in
 * shard order, so when there are as many as shards each shard's rank is
 * known and printed ("replica 0 <rank>"); otherwise the replicas are listed
 * without one and a "ranks:" line follows. Targets are never known.
 * -j: DAOS's objectLayout keys (oid, version, class, shards[].replicas[],
 * with "rank" when known) plus "ranks" and "max_dkey".
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <daos.h>
#include "gurt/errbuf.h"
#include "tools/daos/daos_tool.h"

static int
json_set(json_t *obj, const char *key, json_t *val)
{
	return json_object_set_new(obj, key, val) == 0 ? 0 : -DER_NOMEM;
}

static const char *const otype_names[] = {
	"MULTI_HASHED",  "OIT",         "DKEY_UINT64", "AKEY_UINT64", "MULTI_UINT64",
	"DKEY_LEXICAL",  "AKEY_LEXICAL", "MULTI_LEXICAL", "KV_HASHED", "KV_UINT64",
	"KV_LEXICAL",    "ARRAY",        "ARRAY_ATTR",  "ARRAY_BYTE",  "OIT_V2",
};

/* Replicas of one group (shards per redundancy group) of a class. */
static uint32_t
class_grp_size(daos_oclass_id_t cid)
{
	static const struct {
		uint32_t redun;
		uint32_t size;
	} sizes[] = {
	    {OR_RP_1, 1},    {OR_RP_2, 2},    {OR_RP_3, 3},      {OR_RP_4, 4},
	    {OR_RP_5, 5},    {OR_RP_6, 6},    {OR_RP_8, 8},      {OR_RP_12, 12},
	    {OR_RP_16, 16},  {OR_RP_24, 24},  {OR_RP_32, 32},    {OR_RP_48, 48},
	    {OR_RP_64, 64},  {OR_RP_128, 128}, {OR_RS_2P1, 3},   {OR_RS_2P2, 4},
	    {OR_RS_4P1, 5},  {OR_RS_4P2, 6},  {OR_RS_8P1, 9},    {OR_RS_8P2, 10},
	    {OR_RS_16P1, 17}, {OR_RS_16P2, 18},
	};
	uint32_t redun = cid >> OC_REDUN_SHIFT;

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		if (sizes[i].redun == redun)
			return sizes[i].size;
	return 1;
}

int
dtool_obj_run(struct dtool_ctx *ctx, struct cli_out *out, json_t **response, char *errbuf,
	      size_t errlen)
{
	const struct dtool_args *a = ctx->dc_args;
	daos_obj_id_t            oid = a->da_oid;
	daos_handle_t            poh, coh, oh;
	daos_oclass_id_t         cid = daos_obj_id2class(oid);
	daos_otype_t             otype = daos_obj_id2type(oid);
	uint32_t                 grp_nr = (uint32_t)(oid.hi >> OID_FMT_META_SHIFT) & 0xffff;
	uint32_t                 grp_size = class_grp_size(cid);
	struct daos_obj_attr     oa;
	d_rank_list_t            ranks;
	d_rank_t                *rank_buf = NULL;
	char                     cname[MAX_OBJ_CLASS_NAME_LEN] = "";
	char                     oidstr[48];
	char                     dkey_buf[DTOOL_DKEY_SHOW_MAX];
	daos_key_t               dkey;
	bool                     have_dkey = false;
	json_t                  *j = NULL, *shards = NULL;
	uint64_t                 nshards;
	int                      rc;

	dtool_oid_str(oid, oidstr, sizeof(oidstr));
	if (daos_oclass_id2name(cid, cname) != 0)
		snprintf(cname, sizeof(cname), "UNKNOWN");
	nshards = (uint64_t)grp_nr * grp_size;
	/* Checked before anything is sent: an id without DAOS's bits names no object. */
	if (cid == OC_UNKNOWN || grp_nr == 0) {
		d_errbuf_printf(errbuf, errlen,
				"invalid object id %s: no object class in it (ids come from "
				"daos_obj_generate_oid)",
				oidstr);
		return -DER_INVAL;
	}
	if (nshards > DTOOL_OBJ_SHARDS_MAX) {
		d_errbuf_printf(errbuf, errlen,
				"invalid object id %s: %u groups of %u shards, more than %d",
				oidstr, grp_nr, grp_size, DTOOL_OBJ_SHARDS_MAX);
		return -DER_INVAL;
	}

	rc = dtool_pool_connect(ctx, false, &poh, errbuf, errlen);
	if (rc != 0)
		return rc;
	rc = daos_cont_open(poh, a->da_cont, DAOS_COO_RO, &coh, NULL, NULL);
	if (rc != 0) {
		d_errbuf_printf(errbuf, errlen, "failed to open container %s", a->da_cont);
		goto out_pool;
	}
	rc = daos_obj_open(coh, oid, DAOS_OO_RO, &oh, NULL);
	if (rc != 0) {
		d_errbuf_printf(errbuf, errlen, "failed to open object %s", oidstr);
		goto out_cont;
	}

	/* the ranks holding the object: room for one per shard */
	rank_buf = calloc(nshards, sizeof(*rank_buf));
	if (rank_buf == NULL) {
		rc = -DER_NOMEM;
		goto out_obj;
	}
	ranks.rl_ranks = rank_buf;
	ranks.rl_nr = (uint32_t)nshards;
	memset(&oa, 0, sizeof(oa));
	rc = daos_obj_query(oh, &oa, &ranks, NULL);
	if (rc != 0) {
		d_errbuf_printf(errbuf, errlen, "failed to retrieve layout for object %s", oidstr);
		goto out_obj;
	}
	if (ranks.rl_nr > nshards)
		ranks.rl_nr = (uint32_t)nshards;

	/* the largest dkey (none: the object is empty) */
	d_iov_set(&dkey, dkey_buf, sizeof(dkey_buf));
	rc = daos_obj_query_key(oh, DAOS_TX_NONE, DAOS_GET_MAX | DAOS_GET_DKEY, &dkey, NULL,
				NULL, NULL);
	if (rc == 0) {
		have_dkey = true;
		if (dkey.iov_len > sizeof(dkey_buf))
			dkey.iov_len = sizeof(dkey_buf);
	} else if (rc != -DER_NONEXIST && rc != -DER_NOSYS) {
		d_errbuf_printf(errbuf, errlen, "failed to query the keys of object %s", oidstr);
		goto out_obj;
	}
	rc = cli_out_printf(out, "oid: %s ver %d grp_nr: %u\n", oidstr, 0, grp_nr);
	if (rc == 0)
		rc = cli_out_printf(out, "class: %s type: %s\n", cname,
				    (unsigned)otype < sizeof(otype_names) / sizeof(otype_names[0])
					  ? otype_names[otype]
					  : "unknown");
	for (uint32_t g = 0; rc == 0 && g < grp_nr; g++) {
		rc = cli_out_printf(out, "grp: %u\n", g);
		for (uint32_t r = 0; rc == 0 && r < grp_size; r++) {
			uint64_t s = (uint64_t)g * grp_size + r;

			if (ranks.rl_nr == nshards)
				rc = cli_out_printf(out, "replica %u %u\n", r, ranks.rl_ranks[s]);
			else
				rc = cli_out_printf(out, "replica %u\n", r);
		}
	}
	if (rc == 0 && ranks.rl_nr != nshards && ranks.rl_nr > 0) {
		rc = cli_out_printf(out, "ranks:");
		for (uint32_t i = 0; rc == 0 && i < ranks.rl_nr; i++)
			rc = cli_out_printf(out, " %u", ranks.rl_ranks[i]);
		if (rc == 0)
			rc = cli_out_printf(out, "\n");
	}
	if (rc == 0 && have_dkey) {
		rc = cli_out_printf(out, "max dkey: ");
		if (rc == 0)
			rc = cli_out_put_safe(out, dkey_buf, dkey.iov_len);
		if (rc == 0)
			rc = cli_out_printf(out, "\n");
	} else if (rc == 0) {
		rc = cli_out_printf(out, "max dkey: none (empty object)\n");
	}
	if (rc != 0)
		goto out_obj;

	/* -j: DAOS's objectLayout keys, and the extras */
	j = json_object();
	shards = json_array();
	if (j == NULL || shards == NULL) {
		json_decref(shards);
		rc = -DER_NOMEM;
		goto out_obj;
	}
	rc = json_set(j, "oid", json_string(oidstr));
	if (rc == 0)
		rc = json_set(j, "version", json_integer(0));
	if (rc == 0)
		rc = json_set(j, "class", json_string(cname));
	for (uint32_t g = 0; rc == 0 && g < grp_nr; g++) {
		json_t *grp = json_object();
		json_t *reps;

		/* json_array_append_new releases grp when it fails */
		if (grp == NULL || json_array_append_new(shards, grp) != 0) {
			rc = -DER_NOMEM;
			break;
		}
		reps = json_array();
		/* reps stays valid (borrowed from grp) once set */
		rc = json_set(grp, "replicas", reps);
		for (uint32_t r = 0; rc == 0 && r < grp_size; r++) {
			json_t *loc = json_object();

			if (loc == NULL || json_array_append_new(reps, loc) != 0) {
				rc = -DER_NOMEM;
				break;
			}
			uint64_t s = (uint64_t)g * grp_size + r;

			if (ranks.rl_nr == nshards)
				rc = json_set(loc, "rank", json_integer(ranks.rl_ranks[s]));
		}
	}
	if (rc == 0)
		rc = json_set(j, "shards", shards);
	else
		json_decref(shards);
	/* the extras: the ranks holding the object and its largest dkey */
	if (rc == 0) {
		json_t *rl = json_array();

		for (uint32_t i = 0; rl != NULL && i < ranks.rl_nr; i++)
			if (json_array_append_new(rl, json_integer(ranks.rl_ranks[i])) != 0) {
				json_decref(rl);
				rl = NULL;
			}
		rc = json_set(j, "ranks", rl);
	}
	if (rc == 0 && have_dkey) {
		char safe[DTOOL_DKEY_SHOW_MAX + 1];

		/* printable ASCII as is, other bytes as '?' (a key is binary) */
		for (size_t i = 0; i < dkey.iov_len; i++)
			safe[i] = dkey_buf[i] >= 0x20 && dkey_buf[i] < 0x7f ? dkey_buf[i] : '?';
		safe[dkey.iov_len] = '\0';
		rc = json_set(j, "max_dkey", json_string(safe));
	}
	if (rc == 0) {
		*response = j;
		j = NULL;
	}
out_obj:
	json_decref(j);
	free(rank_buf);
	daos_obj_close(oh, NULL);
out_cont:
	daos_cont_close(coh, NULL);
out_pool:
	dtool_pool_disconnect(ctx, poh);
	return rc;
}
