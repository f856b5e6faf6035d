/**
 * Tools for trying an agent without a hub: a throwaway hub key pair and tokens signed with it.
 * In production the hub holds the key and signs every token itself.
 */
@NullMarked
package io.codehub.agent.devtools;

import org.jspecify.annotations.NullMarked;
