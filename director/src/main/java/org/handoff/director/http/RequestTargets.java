package org.handoff.director.http;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Request-target and Host handling (RFC 9112 3.2, RFC 3986): splitting path and query,
 * absolute-form authority, Host normalisation, and the path normalisation routing matches on.
 */
final class RequestTargets {
    private RequestTargets() {}

    /** The parts of a request-target: host is null unless the target is in absolute form. */
    static final class Target {
        final String host;
        final String path;
        final String query;

        Target(String host, String path, String query) {
            this.host = host;
            this.path = path;
            this.query = query;
        }
    }

    /**
     * Splits a request-target. Accepted: origin-form ("/p?q"), absolute-form with scheme
     * http or https ("http://host:port/p?q"), and asterisk-form ("*") for OPTIONS. Authority
     * form (CONNECT) is refused: the director is not a forward proxy.
     */
    static Target parse(String method, String target) throws BadHeadException {
        checkTargetChars(target);
        if (target.startsWith("/")) {
            return splitPathQuery(null, target, 0);
        }
        if (target.equals("*")) {
            if (!method.equals("OPTIONS")) {
                throw new BadHeadException("request-target: * with method " + method + " (expected: only with OPTIONS)");
            }
            return new Target(null, "*", "");
        }
        int colon = target.indexOf("://");
        if (colon > 0) {
            String scheme = target.substring(0, colon).toLowerCase(Locale.ROOT);
            if (!scheme.equals("http") && !scheme.equals("https")) {
                throw new BadHeadException("request-target scheme: " + scheme + " (expected: http or https)");
            }
            int authStart = colon + 3;
            int authEnd = authStart;
            while (authEnd < target.length() && "/?#".indexOf(target.charAt(authEnd)) < 0) {
                authEnd++;
            }
            String authority = target.substring(authStart, authEnd);
            if (authority.indexOf('@') >= 0) {
                throw new BadHeadException("request-target authority: " + authority + " (expected: no userinfo)");
            }
            if (authority.isEmpty()) {
                throw new BadHeadException("request-target authority: empty (expected: host[:port])");
            }
            String host = normalizeHost(authority, "request-target authority");
            if (authEnd == target.length()) {
                return new Target(host, "/", "");
            }
            if (target.charAt(authEnd) == '?') {
                return splitPathQuery(host, "/" + target.substring(authEnd), 0);
            }
            return splitPathQuery(host, target, authEnd);
        }
        if (method.equals("CONNECT")) {
            throw new BadHeadException("method: CONNECT (expected: a request to an origin, not a tunnel)");
        }
        throw new BadHeadException("request-target: " + abbreviate(target)
                + " (expected: /path, http://host/path, or * for OPTIONS)");
    }

    private static void checkTargetChars(String target) throws BadHeadException {
        if (target.isEmpty()) {
            throw new BadHeadException("request-target: empty (expected: /path)");
        }
        for (int i = 0; i < target.length(); i++) {
            char c = target.charAt(i);
            if (c <= 0x20 || c >= 0x7f) {
                throw new BadHeadException(String.format("request-target: byte 0x%02x at %d (expected: visible ASCII)", (int) c, i));
            }
        }
    }

    private static Target splitPathQuery(String host, String s, int from) throws BadHeadException {
        int end = s.length();
        int hash = s.indexOf('#', from);
        if (hash >= 0) {
            end = hash; // a fragment is never sent, but if it is, it is not part of the path
        }
        int q = s.indexOf('?', from);
        String rawPath;
        String query;
        if (q >= 0 && q < end) {
            rawPath = s.substring(from, q);
            query = s.substring(q + 1, end);
        } else {
            rawPath = s.substring(from, end);
            query = "";
        }
        return new Target(host, normalizePath(rawPath.isEmpty() ? "/" : rawPath), query);
    }

    /**
     * Percent-decodes (as UTF-8) then removes dot segments and merges runs of "/". ".." at the
     * root stays at the root, so no path escapes "/". A trailing "/" is kept ("/a/b/.." is "/a/").
     * Decoding comes first so "%2e%2e" and "%2f" cannot hide a dot segment from the matcher
     * (origins such as nginx decode before they resolve dot segments too).
     */
    static String normalizePath(String raw) throws BadHeadException {
        if (raw.isEmpty() || raw.charAt(0) != '/') {
            throw new BadHeadException("path: " + abbreviate(raw) + " (expected: to start with /)");
        }
        if (isNormal(raw)) {
            return raw;
        }
        String decoded = raw.indexOf('%') >= 0 ? percentDecode(raw) : raw;
        StringBuilder out = new StringBuilder(decoded.length());
        int i = 0;
        int n = decoded.length();
        while (i < n) {
            // at a '/': read the next segment
            while (i < n && decoded.charAt(i) == '/') {
                i++;
            }
            int start = i;
            while (i < n && decoded.charAt(i) != '/') {
                i++;
            }
            int len = i - start;
            boolean last = i >= n;
            if (len == 1 && decoded.charAt(start) == '.') {
                if (last) {
                    out.append('/');
                }
            } else if (len == 2 && decoded.charAt(start) == '.' && decoded.charAt(start + 1) == '.') {
                int cut = out.lastIndexOf("/");
                out.setLength(Math.max(cut, 0));
                if (last) {
                    out.append('/');
                }
            } else if (len > 0) {
                out.append('/').append(decoded, start, i);
            } else if (last) {
                out.append('/'); // trailing slash
            }
        }
        return out.length() == 0 ? "/" : out.toString();
    }

    /** No '%', no "//", no "." or ".." segment: the raw path is already normal. */
    private static boolean isNormal(String p) {
        int n = p.length();
        for (int i = 0; i < n; i++) {
            char c = p.charAt(i);
            if (c == '%') {
                return false;
            }
            if (c == '/' && i + 1 < n) {
                char d = p.charAt(i + 1);
                if (d == '/') {
                    return false;
                }
                if (d == '.') {
                    int j = i + 2;
                    if (j == n || p.charAt(j) == '/') {
                        return false;
                    }
                    if (p.charAt(j) == '.' && (j + 1 == n || p.charAt(j + 1) == '/')) {
                        return false;
                    }
                }
            }
        }
        return true;
    }

    private static String percentDecode(String s) throws BadHeadException {
        byte[] bytes = new byte[s.length()];
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%') {
                int hi = i + 1 < s.length() ? Character.digit(s.charAt(i + 1), 16) : -1;
                int lo = i + 2 < s.length() ? Character.digit(s.charAt(i + 2), 16) : -1;
                if (hi < 0 || lo < 0) {
                    throw new BadHeadException("path: bad percent-encoding at index " + i + " in " + abbreviate(s)
                            + " (expected: %XX with two hex digits)");
                }
                int b = hi << 4 | lo;
                if (b == 0) {
                    throw new BadHeadException("path: %00 at index " + i + " (expected: no NUL)");
                }
                bytes[n++] = (byte) b;
                i += 2;
            } else {
                bytes[n++] = (byte) c;
            }
        }
        CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        try {
            CharBuffer chars = utf8.decode(ByteBuffer.wrap(bytes, 0, n));
            return chars.toString();
        } catch (CharacterCodingException e) {
            throw new BadHeadException("path: " + abbreviate(s) + " (expected: valid UTF-8 after percent-decoding)");
        }
    }

    /**
     * Lower-cases a Host value (or absolute-form authority), drops the port and one trailing
     * dot. "[::1]:8080" gives "[::1]". Characters outside RFC 3986 reg-name / IP-literal are
     * refused, as is a port that is not 1 to 5 digits.
     */
    static String normalizeHost(String value, String what) throws BadHeadException {
        String v = value;
        String host;
        if (v.startsWith("[")) {
            int close = v.indexOf(']');
            if (close < 0) {
                throw new BadHeadException(what + ": " + abbreviate(value) + " (expected: [IPv6]:port)");
            }
            host = v.substring(0, close + 1);
            checkPort(v, close + 1, value, what);
            for (int i = 1; i < close; i++) {
                char c = v.charAt(i);
                if (!(isHex(c) || c == ':' || c == '.')) {
                    throw new BadHeadException(what + ": " + abbreviate(value) + " (expected: [IPv6]:port)");
                }
            }
        } else {
            int colon = v.indexOf(':');
            host = colon < 0 ? v : v.substring(0, colon);
            if (colon >= 0) {
                checkPort(v, colon, value, what);
            }
            for (int i = 0; i < host.length(); i++) {
                char c = host.charAt(i);
                if (!isRegNameChar(c)) {
                    throw new BadHeadException(String.format("%s: %s has 0x%02x at %d (expected: host[:port])",
                            what, abbreviate(value), (int) c, i));
                }
            }
        }
        if (host.endsWith(".")) {
            host = host.substring(0, host.length() - 1);
        }
        return host.toLowerCase(Locale.ROOT);
    }

    private static void checkPort(String v, int colonIndex, String value, String what) throws BadHeadException {
        if (colonIndex == v.length()) {
            return;
        }
        int digits = v.length() - colonIndex - 1;
        boolean ok = v.charAt(colonIndex) == ':' && digits <= 5;
        for (int i = colonIndex + 1; ok && i < v.length(); i++) {
            ok = v.charAt(i) >= '0' && v.charAt(i) <= '9';
        }
        if (!ok) {
            throw new BadHeadException(what + ": " + abbreviate(value) + " (expected: host[:port] with a numeric port)");
        }
    }

    private static boolean isHex(char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }

    private static boolean isRegNameChar(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || "-._~!$&'()*+,;=%".indexOf(c) >= 0;
    }

    static String abbreviate(String s) {
        return s.length() <= 64 ? s : s.substring(0, 61) + "...";
    }
}
