package org.handoff.director.config;

import java.util.List;
import java.util.regex.Pattern;

/**
 * Matches one request header: true when any field with that name (case-insensitive) has the
 * exact value, or a value the regular expression matches whole. An absent header never matches.
 */
public final class HeaderMatcher {
    private final String name;
    private final String exact;
    private final Pattern regex;

    private HeaderMatcher(String name, String exact, Pattern regex) {
        this.name = name;
        this.exact = exact;
        this.regex = regex;
    }

    public static HeaderMatcher exact(String name, String value) {
        return new HeaderMatcher(name, value, null);
    }

    /** @throws java.util.regex.PatternSyntaxException for a bad expression */
    public static HeaderMatcher regex(String name, String regex) {
        return new HeaderMatcher(name, null, Pattern.compile(regex));
    }

    public String name() {
        return name;
    }

    public boolean isRegex() {
        return regex != null;
    }

    /** The exact value, or the regular expression's source. */
    public String value() {
        return regex != null ? regex.pattern() : exact;
    }

    public boolean matches(List<String> values) {
        for (int i = 0; i < values.size(); i++) {
            String v = values.get(i);
            if (regex != null ? regex.matcher(v).matches() : exact.equals(v)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return name + (regex != null ? " ~ " : " = ") + value();
    }
}
