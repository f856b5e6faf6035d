/**
 * The Hub API's OpenAPI document, served by springdoc at {@code /v3/api-docs} and committed as
 * {@code docs/hub-api.yaml}: its fixed parts, the problem responses every operation refers to, and
 * the names controllers use in their annotations.
 */
@NullMarked
package io.codehub.hub.apidoc;

import org.jspecify.annotations.NullMarked;
