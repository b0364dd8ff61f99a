package org.handoff.director.config;

/** A server's place in one pool, with its weight there (1..10000). */
public record PoolMember(Server server, int weight) {}
