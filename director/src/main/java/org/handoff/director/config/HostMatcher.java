package org.handoff.director.config;

/**
 * Matches the request's host (already lower-cased, port stripped): exactly
 * ("www.example.com") or by wildcard ("*.example.com": any host with at least one more label in
 * front, "a.example.com" and "a.b.example.com" but not "example.com").
 */
public record HostMatcher(String pattern) {
    public boolean isWildcard() {
        return pattern.startsWith("*.");
    }

    /** For a wildcard, the part after "*." ("example.com"); for an exact host, the host. */
    public String domain() {
        return isWildcard() ? pattern.substring(2) : pattern;
    }

    public boolean matches(String host) {
        if (!isWildcard()) {
            return pattern.equals(host);
        }
        String domain = domain();
        int n = host.length() - domain.length();
        return n >= 2 && host.endsWith(domain) && host.charAt(n - 1) == '.';
    }

    @Override
    public String toString() {
        return pattern;
    }
}
