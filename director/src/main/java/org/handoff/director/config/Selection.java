package org.handoff.director.config;

/** How a pool picks a server, as spelled in the config. */
public enum Selection {
    CONSISTENT_HASH("consistent-hash"),
    LEAST_LOADED("least-loaded"),
    WEIGHTED("weighted");

    private final String key;

    Selection(String key) {
        this.key = key;
    }

    public String key() {
        return key;
    }

    static Selection fromKey(String key) {
        for (Selection s : values()) {
            if (s.key.equals(key)) {
                return s;
            }
        }
        return null;
    }
}
