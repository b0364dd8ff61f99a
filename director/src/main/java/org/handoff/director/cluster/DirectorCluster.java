package org.handoff.director.cluster;

import io.micrometer.core.instrument.MeterRegistry;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.Closeable;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.StampedLock;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.handoff.director.config.Cluster;
import org.handoff.protocol.message.DecodeResult;
import org.handoff.protocol.message.HandoffKeys;
import org.handoff.protocol.message.ReplayGuard;
import org.jgroups.Address;
import org.jgroups.BytesMessage;
import org.jgroups.JChannel;
import org.jgroups.MergeView;
import org.jgroups.Message;
import org.jgroups.Receiver;
import org.jgroups.View;
import org.jgroups.util.ExtendedUUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This director's membership in the directors' group and its replica of the flow-ownership
 * table (docs/scale-out.md). Made by {@link #start}, which joins the group and, when other
 * directors are there, receives the whole table and the SYN-cookie secrets from the coordinator
 * before it returns.
 *
 * <h2>Threads</h2>
 * <ul>
 * <li>Announcing: each director thread that announces takes its own {@link #announcer()} and
 *     flushes it once a duty cycle.</li>
 * <li>Listening: one thread calls {@link #poll} (JGroups' threads only queue events).</li>
 * <li>Looking up: any thread calls {@link #owner} or {@link #lookup}: an optimistic read of the
 *     table, no lock unless a writer was active meanwhile, no allocation.</li>
 * <li>JGroups' threads receive, check the seal, apply to the table (one write lock) and queue;
 *     a housekeeping thread expires tombstones and orphans and rotates the secret.</li>
 * </ul>
 */
public final class DirectorCluster implements Closeable {
    private static final Logger LOG = LoggerFactory.getLogger(DirectorCluster.class);
    /** The key of the director id in each member's JGroups address. */
    static final String DIRECTOR_ID_KEY = "handoff-director-id";
    /** The key of the director's peer endpoint (address, peer port, peer token) in its JGroups address. */
    static final String PEER_ENDPOINT_KEY = "handoff-peer";
    /** Tolerated clock difference between directors, on top of cluster.replay-window. */
    static final long CLOCK_SKEW_MILLIS = 1_000;
    /** Message ids remembered per time slice: 4 tables of 2^18 longs, 8 MiB; see ReplayGuard. */
    static final int REPLAY_CAPACITY = 1 << 17;
    static final long HOUSEKEEPING_MILLIS = 100;
    /** Slots the expiry sweep looks at per housekeeping round: bounds the write lock's hold. */
    static final int SWEEP_SLOTS = 1 << 15;
    static final int EVENT_BATCH = 64;
    /** When a director announces its own entries again after a partition healed. */
    static final long[] REANNOUNCE_AFTER_MERGE_MILLIS = {1_000, 5_000};

    private final Cluster config;
    private final int self;
    private final LongSupplier clockMillis;
    private final Supplier<HandoffKeys> keys;
    private final HybridClock clock = new HybridClock();
    private final OwnershipTable table = new OwnershipTable(1 << 12);
    private final StampedLock tableLock = new StampedLock();
    private final ReentrantLock receiveLock = new ReentrantLock();
    private final GossipDecoder liveDecoder;
    private final GossipDecoder stateDecoder;
    private final EventQueue events = new EventQueue(1024);
    private final ClusterMetrics metrics;
    private final ScheduledExecutorService housekeeping;
    private final GossipEncoder secretEncoder;
    private final SecureRandom random = new SecureRandom();
    private final JChannel channel;
    private final Map<Address, Integer> directorOf = new HashMap<>();
    private final Map<Address, Long> firstSeen = new HashMap<>();

    private volatile SynSecrets secrets;
    private volatile boolean stateReceived;
    private volatile int[] members = new int[0];
    private volatile PeerDirectory peers = PeerDirectory.EMPTY;
    /** What TUNNEL frames of wrong-director packets sent to this director carry; drawn at start. */
    private final long peerToken;
    private volatile boolean coordinator;
    private int sweepCursor;
    private long sendFailuresLogged;

    // consumer (poll) side only
    private final long[] drained = new long[EVENT_BATCH * EventQueue.STRIDE];
    private final FlowOwnership polled = new FlowOwnership();

    private DirectorCluster(Cluster config, MeterRegistry registry, LongSupplier clockMillis, boolean stats) throws Exception {
        if (!config.enabled() || config.keys() == null || config.keystorePassword() == null) {
            throw new IllegalArgumentException("cluster " + config + " (expected: enabled, loaded for a run with its key file and key store)");
        }
        this.config = config;
        this.self = config.directorId();
        this.clockMillis = clockMillis;
        HandoffKeys ring = config.keys();
        this.keys = () -> ring;
        ReplayGuard guard = new ReplayGuard(config.replayWindow().toMillis(), CLOCK_SKEW_MILLIS, REPLAY_CAPACITY);
        this.liveDecoder = new GossipDecoder(keys, guard, clockMillis);
        this.stateDecoder = new GossipDecoder(keys, guard, clockMillis);
        this.secretEncoder = new GossipEncoder(GossipFormat.TYPE_GOSSIP, 1, self, keys, clockMillis);
        this.metrics = new ClusterMetrics(registry, this);
        this.housekeeping = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "cluster-housekeeping-" + self);
            t.setDaemon(true);
            return t;
        });
        String xml = ClusterStack.render(config, stats);
        this.channel = new JChannel(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
        String name = "director-" + self;
        channel.name(name);
        long token = random.nextLong();
        this.peerToken = token == 0 ? 1 : token;
        byte[] endpoint = PeerDirectory.endpoint(ipv4(config.bind()), config.peerPort(), peerToken);
        channel.addAddressGenerator(() -> ExtendedUUID.randomUUID(name).put(DIRECTOR_ID_KEY, new byte[] {(byte) (self >>> 8), (byte) self})
                .put(PEER_ENDPOINT_KEY, endpoint));
        channel.setReceiver(new GroupReceiver());
    }

    /**
     * Joins the group of {@code config} (a {@code cluster} section loaded for a run) and receives
     * the table; returns when this director has it, or throws (the group refused this director,
     * or the state did not arrive within {@code cluster.state-timeout}).
     */
    public static DirectorCluster start(Cluster config, MeterRegistry registry) throws IOException {
        return start(config, registry, System::currentTimeMillis, false);
    }

    /** With a clock of one's own, and JGroups' transport statistics (bytes on the wire) when {@code stats}. */
    static DirectorCluster start(Cluster config, MeterRegistry registry, LongSupplier clockMillis, boolean stats) throws IOException {
        DirectorCluster c;
        try {
            c = new DirectorCluster(config, registry, clockMillis, stats);
        } catch (IOException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException("cluster " + config.name() + ": cannot build the group's stack: " + e.getMessage(), e);
        }
        try {
            c.channel.connect(config.name(), null, config.stateTimeout().toMillis());
        } catch (Exception e) {
            c.close();
            throw new IOException("cluster " + config.name() + ": director " + config.directorId() + " could not join with the table: "
                    + e.getMessage(), e);
        }
        View view = c.channel.getView();
        if (view.getCoord().equals(c.channel.getAddress())) {
            c.stateReceived = true; // the first director: there is no table yet
        }
        c.housekeeping.scheduleWithFixedDelay(c::housekeep, HOUSEKEEPING_MILLIS, HOUSEKEEPING_MILLIS, TimeUnit.MILLISECONDS);
        c.housekeeping.execute(c::rotateSecretIfDue);
        LOG.info("director {} joined group {} ({} members{})", c.self, config.name(), view.size(),
                c.stateReceived && view.size() == 1 ? ", first" : ", table received");
        return c;
    }

    public int directorId() {
        return self;
    }

    /** A new announcer for the calling thread (each announcing thread needs its own). */
    public GossipAnnouncer announcer() {
        return new GossipAnnouncer(this, new GossipEncoder(GossipFormat.TYPE_GOSSIP, GossipFormat.MAX_LIVE_RECORDS, self, keys,
                clockMillis), self);
    }

    /**
     * Whether this director may answer SYNs: it has the table (or is the first) and the group's
     * SYN-cookie secret. Until then the director must leave SYNs unanswered.
     */
    public boolean ready() {
        return stateReceived && secrets != null;
    }

    /** The SYN-cookie secrets, or null before the first is known. */
    public SynSecrets synSecrets() {
        return secrets;
    }

    /** Director ids in the current view, this one included, in the view's order. */
    public int[] members() {
        return members.clone();
    }

    /** Where each director of the view takes wrong-director packets of its flows (this one included). */
    public PeerDirectory peers() {
        return peers;
    }

    /** The token wrong-director packets sent to this director carry ({@link #peers()} publishes it). */
    public long peerToken() {
        return peerToken;
    }

    private static int ipv4(java.net.Inet4Address a) {
        byte[] b = a.getAddress();
        return ((b[0] & 0xff) << 24) | ((b[1] & 0xff) << 16) | ((b[2] & 0xff) << 8) | (b[3] & 0xff);
    }

    /** Whether this director is the group's coordinator (it draws the SYN-cookie secret). */
    public boolean isCoordinator() {
        return coordinator;
    }

    // ---- lookups: any thread ----

    /** The director id that owns a flow (TERMINATING or HANDED_OFF), or 0 when the table has no live entry. */
    public int owner(int clientAddress, int clientPort, int vipAddress, int vipPort) {
        long k0 = OwnershipTable.k0(clientAddress, vipAddress);
        long k1 = OwnershipTable.k1(clientPort, vipPort);
        long stamp = tableLock.tryOptimisticRead();
        int owner = ownerOf(k0, k1);
        if (!tableLock.validate(stamp)) {
            stamp = tableLock.readLock();
            try {
                owner = ownerOf(k0, k1);
            } finally {
                tableLock.unlockRead(stamp);
            }
        }
        return owner;
    }

    private int ownerOf(long k0, long k1) {
        try {
            int slot = table.find(k0, k1);
            return slot < 0 || table.state(slot) == OwnershipTable.STATE_ENDED ? 0 : table.owner(slot);
        } catch (ArrayIndexOutOfBoundsException raced) {
            return 0; // an optimistic read that raced a resize: validate fails and the locked read answers
        }
    }

    /** Fills {@code out} with the flow's live entry; false (out untouched) when there is none. */
    public boolean lookup(int clientAddress, int clientPort, int vipAddress, int vipPort, FlowOwnership out) {
        long k0 = OwnershipTable.k0(clientAddress, vipAddress);
        long k1 = OwnershipTable.k1(clientPort, vipPort);
        long stamp = tableLock.readLock();
        try {
            int slot = table.find(k0, k1);
            if (slot < 0 || table.state(slot) == OwnershipTable.STATE_ENDED) {
                return false;
            }
            out.fill(table, slot);
            return true;
        } finally {
            tableLock.unlockRead(stamp);
        }
    }

    int tableCount(int state) {
        return table.count(state);
    }

    // ---- the listener: one thread ----

    /**
     * Delivers up to {@code max} queued events to {@code listener} on the calling thread (always
     * the same one); returns how many. Costs one volatile read when nothing is queued.
     */
    public int poll(ClusterListener listener, int max) {
        int done = 0;
        while (done < max && events.pending() > 0) {
            int n = events.drainTo(drained);
            for (int i = 0; i < n; i++) {
                deliver(listener, i * EventQueue.STRIDE);
            }
            done += n;
            if (n == 0) {
                break;
            }
        }
        return done;
    }

    private void deliver(ClusterListener listener, int b) {
        long header = drained[b];
        int kind = (int) (header & 0xff);
        switch (kind) {
            case EventQueue.FLOW -> {
                int what = (int) (header >>> 8) & 0xff;
                int tableState = what >= EventQueue.ENDED_BASE ? (int) (header >>> 16) & 0xff : what;
                polled.fill(drained[b + 1], drained[b + 2], tableState, drained[b + 4], drained[b + 5], drained[b + 3]);
                if (what == OwnershipTable.STATE_TERMINATING) {
                    listener.onTerminating(polled);
                } else if (what == OwnershipTable.STATE_HANDED_OFF) {
                    listener.onHandedOff(polled);
                } else {
                    listener.onEnded(polled, ClusterListener.EndCause.values()[what - EventQueue.ENDED_BASE]);
                }
            }
            case EventQueue.SECRETS -> listener.onSynSecrets(secrets);
            case EventQueue.MEMBERS -> listener.onMembers(members());
            default -> throw new IllegalStateException("event kind " + kind);
        }
    }

    // ---- announcing ----

    /** Applies this director's own announcement to its table; returns the version drawn for it. */
    long applyLocal(int kind, long k0, long k1, int agentAddress, int agentPort, long token) {
        long now = clockMillis.getAsLong();
        long version = clock.next(now);
        long stamp = tableLock.writeLock();
        try {
            table.apply(kind, k0, k1, version, self, agentAddress, agentPort, token, now);
        } finally {
            tableLock.unlockWrite(stamp);
        }
        return version;
    }

    void send(Message message, int records) {
        try {
            channel.send(message);
            metrics.messagesSent.increment();
            metrics.announcementsSent.increment(records);
        } catch (Exception e) {
            metrics.sendFailures.increment();
            if (sendFailuresLogged++ % 1000 == 0) {
                LOG.warn("gossip not sent ({} announcements): {}", records, e.toString());
            }
        }
    }

    // ---- receiving ----

    private void receive(Message message) {
        long now = clockMillis.getAsLong();
        receiveLock.lock();
        try {
            DecodeResult r = liveDecoder.decode(message.getArray(), message.getOffset(), message.getLength(), GossipFormat.TYPE_GOSSIP);
            if (r != DecodeResult.ACCEPTED) {
                metrics.rejected(r);
                return;
            }
            metrics.delay(now - liveDecoder.timestampMillis());
            applyRecords(liveDecoder, false, now);
        } finally {
            receiveLock.unlock();
        }
    }

    /** Applies an accepted datagram's records; live ones queue their events now, a state's after the whole state. */
    private void applyRecords(GossipDecoder d, boolean fromState, long now) {
        int applied = 0;
        int stale = 0;
        long stamp = tableLock.writeLock();
        try {
            for (int i = 0; i < d.records(); i++) {
                int kind = d.kind(i);
                if (kind == GossipFormat.KIND_SECRET) {
                    applySecret(d, i);
                    continue;
                }
                long version = d.version(i);
                clock.observe(version);
                long k0 = d.k0(i);
                long k1 = d.k1(i);
                int result = table.apply(kind, k0, k1, version, d.owner(i), d.agentAddress(i), d.agentPort(i), d.token(i), now);
                if (result == OwnershipTable.STALE) {
                    stale++;
                    continue;
                }
                applied++;
                if (fromState) {
                    if ((d.flags(i) & GossipFormat.FLAG_ORPHANED) != 0) {
                        table.deadline(table.find(k0, k1), now + config.orphanExpiry().toMillis());
                    }
                } else if (kind == GossipFormat.KIND_ENDED) {
                    int previous = table.previousState();
                    if (previous == OwnershipTable.STATE_TERMINATING || previous == OwnershipTable.STATE_HANDED_OFF) {
                        events.flow(EventQueue.ended(ClusterListener.EndCause.ANNOUNCED, previous), k0, k1, version,
                                table.previousMeta(), table.previousToken());
                    }
                } else {
                    int slot = table.find(k0, k1);
                    events.flow(table.state(slot), k0, k1, version, table.meta(slot), table.token(slot));
                }
            }
        } finally {
            tableLock.unlockWrite(stamp);
        }
        metrics.applied.increment(applied);
        metrics.stale.increment(stale);
    }

    private void applySecret(GossipDecoder d, int i) {
        SynSecrets s = secrets;
        int id = d.secretId(i);
        if (s != null && Integer.compareUnsigned(id, s.currentId()) <= 0) {
            if (d.secretSlot(i) == 1 && id == s.previousId()) {
                return;
            }
            if (d.secretSlot(i) == 1 && s.previousId() == 0 && Integer.compareUnsigned(id, s.currentId()) < 0) {
                // The state's previous secret, after its current one.
                secrets = new SynSecrets(s.currentId(), s.current0(), s.current1(), id, d.secret0(i), d.secret1(i),
                        s.publishedVersion());
                events.signal(EventQueue.SECRETS);
            }
            return;
        }
        clock.observe(d.secretVersion(i));
        secrets = s == null ? new SynSecrets(id, d.secret0(i), d.secret1(i), 0, 0, 0, d.secretVersion(i))
                : s.rotate(id, d.secret0(i), d.secret1(i), d.secretVersion(i));
        events.signal(EventQueue.SECRETS);
    }

    // ---- membership ----

    private void viewAccepted(View view) {
        long now = clockMillis.getAsLong();
        List<Address> current = view.getMembers();
        List<Address> left = new ArrayList<>();
        for (Address a : directorOf.keySet()) {
            if (!current.contains(a)) {
                left.add(a);
            }
        }
        for (Address a : current) {
            if (!directorOf.containsKey(a)) {
                directorOf.put(a, directorIdOf(a));
                firstSeen.put(a, clock.next(now));
            }
        }
        int[] ids = new int[current.size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = directorOf.get(current.get(i));
        }
        List<Integer> leftIds = new ArrayList<>();
        for (Address a : left) {
            int id = directorOf.remove(a);
            leftIds.add(id);
            firstSeen.remove(a);
            // A director that restarted under the same id is in the view already: its old self's flows go, its new ones stay.
            long before = Long.MAX_VALUE;
            for (Address b : current) {
                if (directorOf.get(b) == id) {
                    before = Math.min(before, firstSeen.get(b));
                }
            }
            dropOwner(id, before, now);
        }
        int[] sorted = ids.clone();
        Arrays.sort(sorted);
        for (int i = 1; i < sorted.length; i++) {
            if (sorted[i] == sorted[i - 1] && sorted[i] != 0) {
                LOG.error("two members of group {} have director id {}: their flows are confused (view {})", config.name(),
                        sorted[i], view);
            }
        }
        if (view instanceof MergeView) {
            metrics.merges.increment();
            LOG.warn("group {} healed a partition ({}): each director announces its own entries again", config.name(), view);
            if (!housekeeping.isShutdown()) {
                // Not at once: the merged group's new key (ASYM_ENCRYPT) may not have reached
                // everyone yet, and a message it cannot decrypt is dropped; twice, since a replica
                // applies only what is newer, so repeating costs bytes, never state.
                for (long delay : REANNOUNCE_AFTER_MERGE_MILLIS) {
                    housekeeping.schedule(this::reannounceOwn, delay, TimeUnit.MILLISECONDS);
                }
            }
        }
        byte[][] endpoints = new byte[current.size()][];
        for (int i = 0; i < endpoints.length; i++) {
            endpoints[i] = current.get(i) instanceof ExtendedUUID u ? u.get(PEER_ENDPOINT_KEY) : null;
        }
        peers = PeerDirectory.of(ids, endpoints);
        members = ids;
        coordinator = view.getCoord().equals(channel.getAddress());
        events.signal(EventQueue.MEMBERS);
        LOG.info("group {} view {}: directors {}{}", config.name(), view.getViewId(), Arrays.toString(ids),
                leftIds.isEmpty() ? "" : ", left " + leftIds);
        if (coordinator && !housekeeping.isShutdown()) {
            housekeeping.execute(this::rotateSecretIfDue);
        }
    }

    static int directorIdOf(Address a) {
        if (a instanceof ExtendedUUID u) {
            byte[] id = u.get(DIRECTOR_ID_KEY);
            if (id != null && id.length == 2) {
                return ((id[0] & 0xff) << 8) | (id[1] & 0xff);
            }
        }
        return 0;
    }

    /**
     * A director left: its TERMINATING flows (announced before {@code before}) go, since their
     * TCP state died with it; its HANDED_OFF flows stay (their agents serve them) as orphans until
     * an ENDED or cluster.orphan-expiry.
     */
    private void dropOwner(int owner, long before, long now) {
        int dropped = 0;
        int orphaned = 0;
        long orphanDeadline = now + config.orphanExpiry().toMillis();
        long stamp = tableLock.writeLock();
        try {
            for (int slot = 0; slot < table.capacity(); slot++) {
                while (table.occupied(slot) && table.owner(slot) == owner && table.version(slot) < before) {
                    int state = table.state(slot);
                    if (state == OwnershipTable.STATE_TERMINATING) {
                        events.flow(EventQueue.ended(ClusterListener.EndCause.OWNER_LEFT, state), table.k0(slot), table.k1(slot),
                                table.version(slot), table.meta(slot), table.token(slot));
                        table.remove(slot); // the slot may now hold the next entry of the run: look again
                        dropped++;
                        continue;
                    }
                    if (state == OwnershipTable.STATE_HANDED_OFF && table.deadline(slot) == 0) {
                        table.deadline(slot, orphanDeadline);
                        orphaned++;
                    }
                    break;
                }
            }
        } finally {
            tableLock.unlockWrite(stamp);
        }
        metrics.droppedOwnerLeft.increment(dropped);
        LOG.info("director {} left: {} flows before hand-off dropped, {} handed-off flows kept for {} unless they end",
                owner, dropped, orphaned, config.orphanExpiry());
    }

    // ---- housekeeping thread ----

    private void housekeep() {
        try {
            sweep(clockMillis.getAsLong());
            rotateSecretIfDue();
        } catch (RuntimeException e) {
            LOG.error("cluster housekeeping failed", e);
        }
    }

    /** Expires tombstones and orphans, {@link #SWEEP_SLOTS} slots a round. */
    private void sweep(long now) {
        int expired = 0;
        long stamp = tableLock.writeLock();
        try {
            int capacity = table.capacity();
            int cursor = sweepCursor % capacity;
            for (int n = 0; n < Math.min(SWEEP_SLOTS, capacity); n++) {
                while (table.occupied(cursor) && table.deadline(cursor) != 0 && table.deadline(cursor) <= now) {
                    int state = table.state(cursor);
                    if (state == OwnershipTable.STATE_HANDED_OFF) {
                        events.flow(EventQueue.ended(ClusterListener.EndCause.ORPHAN_EXPIRED, state), table.k0(cursor),
                                table.k1(cursor), table.version(cursor), table.meta(cursor), table.token(cursor));
                        expired++;
                    }
                    table.remove(cursor);
                }
                cursor = (cursor + 1) % capacity;
            }
            sweepCursor = cursor;
        } finally {
            tableLock.unlockWrite(stamp);
        }
        metrics.orphansExpired.increment(expired);
    }

    /** On the coordinator: draws the first secret, or the next one when the current is cluster.secret-rotation old. */
    private void rotateSecretIfDue() {
        if (!coordinator || !channel.isConnected()) {
            return;
        }
        long now = clockMillis.getAsLong();
        SynSecrets s = secrets;
        if (s != null && now - s.publishedMillis() < config.secretRotation().toMillis()) {
            return;
        }
        int id = s == null ? 1 : s.currentId() + 1;
        if (id == 0) {
            id = 1;
        }
        long s0 = random.nextLong();
        long s1 = random.nextLong();
        long version = clock.next(now);
        secrets = s == null ? new SynSecrets(id, s0, s1, 0, 0, 0, version) : s.rotate(id, s0, s1, version);
        events.signal(EventQueue.SECRETS);
        secretEncoder.secret(0, self, id, version, s0, s1);
        Message m = new BytesMessage(null, secretEncoder.sealCopy()).setFlag(Message.Flag.OOB, Message.Flag.DONT_BUNDLE)
                .setFlag(Message.TransientFlag.DONT_LOOPBACK);
        send(m, 1);
        LOG.info("director {} published SYN-cookie secret {}", self, id);
    }

    // ---- state transfer ----

    /** The table's slots, copied under the read lock (a memcpy), to encode after it is released. */
    private long[] copyTable() {
        long stamp = tableLock.readLock();
        try {
            return table.copySlots();
        } finally {
            tableLock.unlockRead(stamp);
        }
    }

    /** On the coordinator, for a joiner: the table and the secrets in sealed chunks, then a 0 length. */
    private void writeState(OutputStream out) throws IOException {
        long[] copy = copyTable();
        SynSecrets s = secrets;
        GossipEncoder encoder = new GossipEncoder(GossipFormat.TYPE_GOSSIP_STATE, GossipFormat.MAX_STATE_RECORDS, self, keys,
                clockMillis);
        DataOutputStream data = new DataOutputStream(new BufferedOutputStream(out, 1 << 16));
        long bytes = 0;
        int entries;
        if (s != null) {
            encoder.secret(0, self, s.currentId(), s.publishedVersion(), s.current0(), s.current1());
            if (s.previousId() != 0) {
                encoder.secret(1, self, s.previousId(), s.publishedVersion(), s.previous0(), s.previous1());
            }
        }
        long[] written = {0};
        entries = encodeEntries(copy, encoder, 0, full -> written[0] += writeChunk(data, full));
        bytes += written[0];
        if (encoder.records() > 0) {
            bytes += writeChunk(data, encoder);
        }
        data.writeInt(0);
        data.flush();
        metrics.stateBytes.increment(bytes + 4);
        LOG.info("director {} sent the table to a joiner: {} entries, {} bytes", self, entries, bytes + 4);
    }

    /** What takes an encoder that is full (a state chunk written, a live message sent). */
    @FunctionalInterface
    private interface FullEncoder {
        void take(GossipEncoder encoder) throws IOException;
    }

    /**
     * Appends the entries of a table copy to {@code encoder}, those of director {@code owner} only
     * (0: all, as a state transfer sends them, orphans flagged; otherwise as live gossip, no flag),
     * handing it to {@code whenFull} each time it fills. Returns how many entries went in.
     */
    private static int encodeEntries(long[] copy, GossipEncoder encoder, int owner, FullEncoder whenFull) throws IOException {
        int entries = 0;
        int stride = OwnershipTable.stride();
        for (int b = 0; b < copy.length; b += stride) {
            long meta = copy[b + 4];
            if (copy[b + 1] == 0 || owner != 0 && (int) (meta & 0xffff) != owner) {
                continue;
            }
            int state = OwnershipTable.stateOfCopy(copy, b);
            int kind = state == OwnershipTable.STATE_TERMINATING ? GossipFormat.KIND_STARTED
                    : state == OwnershipTable.STATE_HANDED_OFF ? GossipFormat.KIND_HANDED_OFF : GossipFormat.KIND_ENDED;
            int flags = owner == 0 && state == OwnershipTable.STATE_HANDED_OFF && OwnershipTable.deadlineOfCopy(copy, b) != 0
                    ? GossipFormat.FLAG_ORPHANED : 0;
            encoder.flow(kind, copy[b], copy[b + 1], copy[b + 2], (int) (meta & 0xffff), (int) (meta >>> 32),
                    (int) (meta >>> 16) & 0xffff, copy[b + 3], flags);
            entries++;
            if (encoder.isFull()) {
                whenFull.take(encoder);
            }
        }
        return entries;
    }

    /**
     * After a partition healed (MergeView): this director's own entries again, with their
     * versions, to the whole group, since what it announced while the group was split reached
     * only its side. A replica applies each only if newer than what it has, as any announcement.
     */
    private void reannounceOwn() {
        long[] copy = copyTable();
        GossipEncoder encoder = new GossipEncoder(GossipFormat.TYPE_GOSSIP, GossipFormat.MAX_LIVE_RECORDS, self, keys, clockMillis);
        int entries;
        try {
            entries = encodeEntries(copy, encoder, self, this::sendLive);
        } catch (IOException cannotHappen) {
            throw new IllegalStateException(cannotHappen);
        }
        if (encoder.records() > 0) {
            sendLive(encoder);
        }
        metrics.reannounced.increment(entries);
        LOG.info("director {} announced its {} entries again after the partition healed", self, entries);
    }

    private void sendLive(GossipEncoder encoder) {
        int records = encoder.records();
        send(new BytesMessage(null, encoder.sealCopy()).setFlag(Message.Flag.OOB, Message.Flag.DONT_BUNDLE)
                .setFlag(Message.TransientFlag.DONT_LOOPBACK), records);
    }

    private static int writeChunk(DataOutputStream data, GossipEncoder encoder) throws IOException {
        int length = encoder.seal();
        data.writeInt(length);
        data.write(encoder.buffer(), 0, length);
        return 4 + length;
    }

    /** On a joiner: checks and applies every chunk; a chunk that fails its seal fails the join. */
    private void readState(InputStream in) throws IOException {
        long started = System.nanoTime();
        DataInputStream data = new DataInputStream(new BufferedInputStream(in, 1 << 16));
        byte[] chunk = new byte[GossipFormat.length(GossipFormat.MAX_STATE_RECORDS)];
        long bytes = 4;
        receiveLock.lock();
        try {
            while (true) {
                int length = data.readInt();
                if (length == 0) {
                    break;
                }
                if (length < GossipFormat.EMPTY_LENGTH || length > chunk.length) {
                    throw new IOException("state chunk of " + length + " bytes (expected: " + GossipFormat.EMPTY_LENGTH + ".."
                            + chunk.length + ")");
                }
                data.readFully(chunk, 0, length);
                bytes += 4 + length;
                DecodeResult r = stateDecoder.decode(chunk, 0, length, GossipFormat.TYPE_GOSSIP_STATE);
                if (r != DecodeResult.ACCEPTED) {
                    metrics.rejected(r);
                    throw new IOException("state chunk refused: " + r.name().toLowerCase() + " (expected: sealed with the cluster key)");
                }
                applyRecords(stateDecoder, true, clockMillis.getAsLong());
            }
        } finally {
            receiveLock.unlock();
        }
        int entries = queueWholeTable();
        stateReceived = true;
        if (secrets != null) {
            events.signal(EventQueue.SECRETS);
        }
        metrics.stateBytes.increment(bytes);
        metrics.stateTransfer.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
        LOG.info("director {} received the table: {} live entries, {} bytes in {} ms", self, entries, bytes,
                (System.nanoTime() - started) / 1_000_000);
    }

    /** After a state transfer: one event per live entry, so the director's forwarding state starts complete. */
    private int queueWholeTable() {
        int n = 0;
        long stamp = tableLock.readLock();
        try {
            for (int slot = 0; slot < table.capacity(); slot++) {
                if (table.occupied(slot) && table.state(slot) != OwnershipTable.STATE_ENDED) {
                    events.flow(table.state(slot), table.k0(slot), table.k1(slot), table.version(slot), table.meta(slot),
                            table.token(slot));
                    n++;
                }
            }
        } finally {
            tableLock.unlockRead(stamp);
        }
        return n;
    }

    // ---- for tests and the benchmark ----

    ClusterMetrics metrics() {
        return metrics;
    }

    JChannel channel() {
        return channel;
    }

    int tableSize() {
        return table.size();
    }

    /** Sends raw bytes to the group as if they were gossip: forged or replayed datagrams in tests. */
    void sendRaw(byte[] datagram) throws Exception {
        channel.send(new BytesMessage(null, datagram).setFlag(Message.Flag.OOB, Message.Flag.DONT_BUNDLE)
                .setFlag(Message.TransientFlag.DONT_LOOPBACK));
    }

    /** Leaves the group (the others see a clean leave) and stops the housekeeping thread. */
    @Override
    public void close() {
        housekeeping.shutdownNow();
        channel.close();
    }

    private final class GroupReceiver implements Receiver {
        @Override
        public void receive(Message message) {
            DirectorCluster.this.receive(message);
        }

        @Override
        public void viewAccepted(View view) {
            DirectorCluster.this.viewAccepted(view);
        }

        @Override
        public void getState(OutputStream out) throws Exception {
            writeState(out);
        }

        @Override
        public void setState(InputStream in) throws Exception {
            readState(in);
        }
    }
}
