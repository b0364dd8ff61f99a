package org.handoff.director.config;

import java.util.List;

/** A named pool: its selection and its members in config order. */
public record PoolConfig(String name, Selection selection, List<PoolMember> members) {
    public PoolConfig {
        members = List.copyOf(members);
    }
}
