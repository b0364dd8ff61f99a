package org.handoff.director.routing;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * Rule positions keyed by literal path prefix, one character per level. Built once, then
 * frozen into arrays: {@link #collect} walks the request path down the trie and hands back the
 * position list of every node it passes, that is of every prefix the path starts with. Each
 * list is ascending, as positions are added in rule order.
 */
final class PrefixTrie {
    private static final int[] NONE = new int[0];

    private static final class Node {
        final char[] keys;
        final Node[] next;
        final int[] positions;

        Node(char[] keys, Node[] next, int[] positions) {
            this.keys = keys;
            this.next = next;
            this.positions = positions;
        }

        Node child(char c) {
            int lo = 0;
            int hi = keys.length - 1;
            while (lo <= hi) {
                int mid = (lo + hi) >>> 1;
                char k = keys[mid];
                if (k < c) {
                    lo = mid + 1;
                } else if (k > c) {
                    hi = mid - 1;
                } else {
                    return next[mid];
                }
            }
            return null;
        }
    }

    static final class Builder {
        private final TreeMap<Character, Builder> children = new TreeMap<>();
        private final List<Integer> positions = new ArrayList<>();
        private int size;

        void add(String prefix, int position) {
            Builder b = this;
            for (int i = 0; i < prefix.length(); i++) {
                b = b.children.computeIfAbsent(prefix.charAt(i), k -> new Builder());
            }
            b.positions.add(position);
            size++;
        }

        boolean isEmpty() {
            return size == 0;
        }

        PrefixTrie build() {
            return new PrefixTrie(freeze(this));
        }

        private static Node freeze(Builder b) {
            char[] keys = new char[b.children.size()];
            Node[] next = new Node[keys.length];
            int i = 0;
            for (var e : b.children.entrySet()) {
                keys[i] = e.getKey();
                next[i] = freeze(e.getValue());
                i++;
            }
            int[] positions = b.positions.isEmpty() ? NONE : b.positions.stream().mapToInt(Integer::intValue).toArray();
            return new Node(keys, next, positions);
        }
    }

    private final Node root;

    private PrefixTrie(Node root) {
        this.root = root;
    }

    /** Adds the position list of every prefix of {@code path} that has rules. */
    void collect(String path, List<int[]> out) {
        Node n = root;
        if (n.positions.length > 0) {
            out.add(n.positions);
        }
        for (int i = 0; i < path.length(); i++) {
            n = n.child(path.charAt(i));
            if (n == null) {
                return;
            }
            if (n.positions.length > 0) {
                out.add(n.positions);
            }
        }
    }
}
