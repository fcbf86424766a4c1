/* services.h — every service of Roombook, in one table (services.c). */
#ifndef RB_SERVICES_H
#define RB_SERVICES_H
#include <stddef.h>

#include "lib/service.h"

extern const struct service accounts_service, rooms_service, reservations_service, payments_service,
	tickets_service, messages_service, mypage_service;

/* Every service above, once each, in the order the stack starts them. */
extern const struct service *const all_services[];
extern const size_t all_services_count;
#endif
