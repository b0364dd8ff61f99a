package org.handoff.director.config;

import java.util.regex.Pattern;

/**
 * Matches the request's normalised path ({@code ParsedRequest.path()}: decoded, no dot
 * segments, no "//"); never the query.
 *
 * <ul>
 *   <li>{@code prefix}: the path starts with the string ("/static/" matches "/static/a.css",
 *       not "/static"). Plain string comparison: no segment-boundary magic.
 *   <li>{@code glob}: the whole path matches; "*" is any run of characters other than "/",
 *       "**" any run including "/" ("/a/**&#47;b" also matches "/a/b": zero or more whole
 *       segments), "?" one character other than "/"; anything else is literal.
 *   <li>{@code regex}: a Java regular expression that must match the whole path
 *       ({@link java.util.regex.Matcher#matches()}).
 * </ul>
 */
public final class PathMatcher {
    public enum Kind {
        PREFIX("prefix"),
        GLOB("glob"),
        REGEX("regex");

        private final String key;

        Kind(String key) {
            this.key = key;
        }

        public String key() {
            return key;
        }
    }

    private final Kind kind;
    private final String pattern;
    private final Pattern regex;

    private PathMatcher(Kind kind, String pattern, Pattern regex) {
        this.kind = kind;
        this.pattern = pattern;
        this.regex = regex;
    }

    public static PathMatcher prefix(String prefix) {
        return new PathMatcher(Kind.PREFIX, prefix, null);
    }

    public static PathMatcher glob(String glob) {
        return new PathMatcher(Kind.GLOB, glob, Pattern.compile(globToRegex(glob)));
    }

    /** @throws java.util.regex.PatternSyntaxException for a bad expression */
    public static PathMatcher regex(String regex) {
        return new PathMatcher(Kind.REGEX, regex, Pattern.compile(regex));
    }

    public Kind kind() {
        return kind;
    }

    public String pattern() {
        return pattern;
    }

    /**
     * A string every matching path starts with: the prefix itself, a glob's characters up to
     * its first wildcard, "" for a regex. The routing index keys on it.
     */
    public String literalPrefix() {
        switch (kind) {
            case PREFIX:
                return pattern;
            case GLOB:
                int i = 0;
                while (i < pattern.length() && pattern.charAt(i) != '*' && pattern.charAt(i) != '?') {
                    i++;
                }
                return pattern.substring(0, i);
            default:
                return "";
        }
    }

    public boolean matches(String path) {
        return kind == Kind.PREFIX ? path.startsWith(pattern) : regex.matcher(path).matches();
    }

    static String globToRegex(String glob) {
        StringBuilder re = new StringBuilder();
        StringBuilder literal = new StringBuilder();
        for (int i = 0; i < glob.length(); i++) {
            char c = glob.charAt(i);
            if (c == '*' || c == '?') {
                if (literal.length() > 0) {
                    re.append(Pattern.quote(literal.toString()));
                    literal.setLength(0);
                }
                if (c == '?') {
                    re.append("[^/]");
                } else if (i + 1 < glob.length() && glob.charAt(i + 1) == '*') {
                    boolean wholeSegment = i > 0 && glob.charAt(i - 1) == '/'
                            && i + 2 < glob.length() && glob.charAt(i + 2) == '/';
                    if (wholeSegment) {
                        re.append("(?:.*/)?"); // "/**/" is also "/": zero or more whole segments
                        i += 2;
                    } else {
                        re.append(".*");
                        i++;
                    }
                } else {
                    re.append("[^/]*");
                }
            } else {
                literal.append(c);
            }
        }
        if (literal.length() > 0) {
            re.append(Pattern.quote(literal.toString()));
        }
        return re.toString();
    }

    @Override
    public String toString() {
        return kind.key + " " + pattern;
    }
}
