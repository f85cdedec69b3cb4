/*
 * daos_example.c: a first program with libdaos.
 *
 *   daos_example <pool> <container>
 *
 * Connects to the pool (label or UUID) through the local daos_agent, opens
 * the container (creating it with that label when it does not exist),
 * writes a value to an object and reads it back, then stores and fetches a
 * key in a key-value object. Build against the installed library:
 *
 *   cc daos_example.c -o daos_example -ldaos -lgurt -luuid
 *
 * and run with DAOS_AGENT_DRPC_DIR naming the agent's runtime_dir when it is
 * not /var/run/daos_agent.
 */
#include <stdio.h>
#include <string.h>

#include <daos.h>

/* Print the call that failed and return its code. */
#define TRY(call)                                                                          \
	do {                                                                               \
		rc = (call);                                                               \
		if (rc != 0) {                                                             \
			fprintf(stderr, "%s: " DF_RC "\n", #call, DP_RC(rc));              \
			goto out;                                                          \
		}                                                                          \
	} while (0)

int
main(int argc, char **argv)
{
	daos_handle_t poh = DAOS_HDL_INVAL, coh = DAOS_HDL_INVAL, oh = DAOS_HDL_INVAL;
	daos_handle_t kv  = DAOS_HDL_INVAL;
	daos_obj_id_t oid = {.lo = 1}, kv_oid = {.lo = 2};
	char          greeting[] = "hello, DAOS", buf[64];
	daos_key_t    dkey;
	daos_iod_t    iod = {0};
	d_iov_t       iov;
	d_sg_list_t   sgl = {.sg_nr = 1, .sg_iovs = &iov};
	daos_size_t   size;
	int           rc;

	if (argc != 3) {
		fprintf(stderr, "usage: %s <pool> <container>\n", argv[0]);
		return 2;
	}
	rc = daos_init();
	if (rc != 0) {
		fprintf(stderr, "daos_init: " DF_RC "\n", DP_RC(rc));
		return 1;
	}
	TRY(daos_pool_connect(argv[1], NULL, DAOS_PC_RW, &poh, NULL, NULL));

	/* Open the container; create it when it is missing (exactly -DER_NONEXIST). */
	rc = daos_cont_open(poh, argv[2], DAOS_COO_RW, &coh, NULL, NULL);
	if (rc == -DER_NONEXIST) {
		TRY(daos_cont_create_with_label(poh, argv[2], NULL, NULL, NULL));
		rc = daos_cont_open(poh, argv[2], DAOS_COO_RW, &coh, NULL, NULL);
	}
	TRY(rc);

	/* An object striped over every target (SX); the low 96 bits of the id are ours. */
	TRY(daos_obj_generate_oid(coh, &oid, DAOS_OT_MULTI_HASHED, OC_SX, 0, 0));
	TRY(daos_obj_open(coh, oid, DAOS_OO_RW, &oh, NULL));

	/* Write one single value: dkey "greetings", akey "en". */
	d_iov_set(&dkey, "greetings", strlen("greetings"));
	d_iov_set(&iod.iod_name, "en", 2);
	iod.iod_type = DAOS_IOD_SINGLE;
	iod.iod_nr   = 1;
	iod.iod_size = sizeof(greeting);
	d_iov_set(&iov, greeting, sizeof(greeting));
	TRY(daos_obj_update(oh, DAOS_TX_NONE, 0, &dkey, 1, &iod, &sgl, NULL));

	/* Read it back, letting the library report the size (DAOS_REC_ANY). */
	iod.iod_size = DAOS_REC_ANY;
	d_iov_set(&iov, buf, sizeof(buf));
	TRY(daos_obj_fetch(oh, DAOS_TX_NONE, 0, &dkey, 1, &iod, &sgl, NULL, NULL));
	printf("read %zu bytes: %s\n", (size_t)iod.iod_size, buf);

	/* A flat key-value object. */
	TRY(daos_obj_generate_oid(coh, &kv_oid, DAOS_OT_KV_HASHED, OC_UNKNOWN, 0, 0));
	TRY(daos_kv_open(coh, kv_oid, DAOS_OO_RW, &kv, NULL));
	TRY(daos_kv_put(kv, DAOS_TX_NONE, 0, "answer", 3, "42", NULL));
	size = sizeof(buf);
	TRY(daos_kv_get(kv, DAOS_TX_NONE, 0, "answer", &size, buf, NULL));
	printf("kv answer = %s (%zu bytes)\n", buf, (size_t)size);

out:
	if (daos_handle_is_valid(kv))
		daos_kv_close(kv, NULL);
	if (daos_handle_is_valid(oh))
		daos_obj_close(oh, NULL);
	if (daos_handle_is_valid(coh))
		daos_cont_close(coh, NULL);
	if (daos_handle_is_valid(poh))
		daos_pool_disconnect(poh, NULL);
	daos_fini();
	return rc == 0 ? 0 : 1;
}
