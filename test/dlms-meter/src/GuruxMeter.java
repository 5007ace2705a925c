import gurux.dlms.GXDLMSConnectionEventArgs;
import gurux.dlms.GXDateTime;
import gurux.dlms.GXServerReply;
import gurux.dlms.ValueEventArgs;
import gurux.dlms.enums.AccessMode;
import gurux.dlms.enums.Authentication;
import gurux.dlms.enums.DataType;
import gurux.dlms.enums.ErrorCode;
import gurux.dlms.enums.InterfaceType;
import gurux.dlms.enums.MethodAccessMode;
import gurux.dlms.enums.ObjectType;
import gurux.dlms.enums.Security;
import gurux.dlms.enums.SourceDiagnostic;
import gurux.dlms.enums.Unit;
import gurux.dlms.objects.GXDLMSAssociationLogicalName;
import gurux.dlms.objects.GXDLMSClock;
import gurux.dlms.objects.GXDLMSData;
import gurux.dlms.objects.GXDLMSExtendedRegister;
import gurux.dlms.objects.GXDLMSHdlcSetup;
import gurux.dlms.objects.GXDLMSObject;
import gurux.dlms.objects.GXDLMSProfileGeneric;
import gurux.dlms.objects.GXDLMSRegister;
import gurux.dlms.objects.GXDLMSSecuritySetup;
import gurux.dlms.objects.GXDLMSTcpUdpSetup;
import gurux.dlms.objects.enums.ApplicationContextName;
import gurux.dlms.objects.enums.SecuritySuite;
import gurux.dlms.secure.GXDLMSSecureServer2;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A DLMS/COSEM meter for the platform's integration tests, built on the Gurux library's own server class
 * (gurux.dlms GXDLMSSecureServer2 from Maven Central). The library does the protocol: HDLC or IEC 62056-47
 * wrapper framing, AARQ/AARE, LLS, HLS GMAC, suite 0 ciphering, GET/SET/ACTION, block transfer and
 * selective access on profile generic buffers. This file only builds the object model, answers the
 * server callbacks and moves bytes between a TCP socket and handleRequest: one server per connection;
 * what outlives an association (clock offset, alarm register) is static.
 *
 * Arguments: --port N [--host H] [--transport wrapper|hdlc] [--authentication none|low|high-gmac]
 *   [--password TEXT] [--authentication-key HEX] [--block-cipher-key HEX] [--system-title HEX]
 *   [--master-key HEX] [--drop-after-key-transfer]   (close the socket once, after applying transferred keys,
 *                                                     instead of sending the reply)
 *   [--drop-during-block-transfer]   (close the socket once, on the request after the first data block;
 *                                     recognises unciphered GET-Response-With-Datablock only)
 * With HLS the meter has the library's security setup object 0.0.43.0.0.255 (class 64), referenced by its
 * association: its global_key_transfer (method 2) takes new keys wrapped (RFC 3394) under the master key;
 * the library applies them after its reply, and this meter keeps them for every later association (it
 * prints "KEYS_REPLACED"). A key wrapped under another master key is refused (object-class-inconsistent).
 * Prints "GURUX_DLMS_VERSION v" and then "LISTENING port" when it accepts connections.
 */
public final class GuruxMeter extends GXDLMSSecureServer2 {

    // Deterministic profile buffers; test/support/dlms-meter.ts documents the same numbers.
    static final ZonedDateTime INTERVAL_START = ZonedDateTime.of(2026, 1, 1, 0, 0, 0, 0, ZoneOffset.UTC);
    static final int INTERVAL_ROWS = 960; // 15 minutes, 10 days
    static final ZonedDateTime DAILY_START = ZonedDateTime.of(2025, 1, 1, 0, 0, 0, 0, ZoneOffset.UTC);
    static final int DAILY_ROWS = 400;
    static final ZonedDateTime MONTHLY_START = ZonedDateTime.of(2024, 1, 1, 0, 0, 0, 0, ZoneOffset.UTC);
    static final int MONTHLY_ROWS = 36;
    static final ZonedDateTime EVENT_START = ZonedDateTime.of(2026, 1, 1, 0, 0, 0, 0, ZoneOffset.UTC);
    static final int EVENT_ROWS = 40; // one event every 6 hours

    static final Object STATE_LOCK = new Object();
    static long clockOffsetMs = 0;
    static long alarmRegister = 0x00000003L;
    /** The meter's current HLS keys: the command line's until a global_key_transfer replaces them. */
    static byte[] authenticationKey;
    static byte[] blockCipherKey;

    static final class Options {
        String host = "127.0.0.1";
        int port;
        InterfaceType transport = InterfaceType.WRAPPER;
        Authentication authentication = Authentication.NONE;
        byte[] password;
        byte[] authenticationKey = HexFormat.of().parseHex("D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF");
        byte[] blockCipherKey = HexFormat.of().parseHex("000102030405060708090A0B0C0D0E0F");
        byte[] systemTitle = HexFormat.of().parseHex("4758580000000001");
        byte[] masterKey = HexFormat.of().parseHex("C0C1C2C3C4C5C6C7C8C9CACBCCCDCECF");
        boolean dropDuringBlockTransfer;
        boolean dropAfterKeyTransfer;
    }

    private final Options options;
    private final Map<GXDLMSProfileGeneric, Long> capturePeriods = new HashMap<>();
    private GXDLMSClock clock;
    private GXDLMSData alarm;
    private GXDLMSSecuritySetup securitySetup;
    private boolean keysJustReplaced;

    static long interval(int i, int channel) {
        return 1_000_000L + i * 250L + channel * 7L;
    }

    static GXDateTime time(ZonedDateTime t) {
        return new GXDateTime(Date.from(t.toInstant()));
    }

    GuruxMeter(Options o, GXDLMSAssociationLogicalName ln, GXDLMSTcpUdpSetup wrapper) {
        super(ln, wrapper);
        this.options = o;
        setup(ln);
    }

    GuruxMeter(Options o, GXDLMSAssociationLogicalName ln, GXDLMSHdlcSetup hdlc) {
        super(ln, hdlc);
        this.options = o;
        setup(ln);
    }

    static GuruxMeter create(Options o) {
        GXDLMSAssociationLogicalName ln = new GXDLMSAssociationLogicalName("0.0.40.0.0.255");
        if (o.transport == InterfaceType.HDLC) {
            GXDLMSHdlcSetup hdlc = new GXDLMSHdlcSetup("0.0.22.0.0.255");
            hdlc.setInactivityTimeout(0);
            return new GuruxMeter(o, ln, hdlc);
        }
        GXDLMSTcpUdpSetup wrapper = new GXDLMSTcpUdpSetup("0.0.25.0.0.255");
        wrapper.setInactivityTimeout(0);
        return new GuruxMeter(o, ln, wrapper);
    }

    private void setup(GXDLMSAssociationLogicalName ln) {
        ln.getXDLMSContextInfo().setMaxReceivePduSize(1024);
        ln.getXDLMSContextInfo().setMaxSendPduSize(1024);
        setMaxReceivePDUSize(1024);
        ln.getAuthenticationMechanismName().setMechanismId(options.authentication);
        if (options.password != null) {
            ln.setSecret(options.password);
        }
        if (options.authentication == Authentication.HIGH_GMAC) {
            getCiphering().setSecurity(Security.AUTHENTICATION_ENCRYPTION);
            byte[] ak;
            byte[] ek;
            synchronized (STATE_LOCK) {
                ak = authenticationKey;
                ek = blockCipherKey;
            }
            getCiphering().setSystemTitle(options.systemTitle);
            getCiphering().setAuthenticationKey(ak);
            getCiphering().setBlockCipherKey(ek);
            setKek(options.masterKey);
            ln.getApplicationContextName().setContextId(ApplicationContextName.LOGICAL_NAME_WITH_CIPHERING);
            // The library's security setup: after each AARQ the library takes the keys from it (so it holds
            // the current ones), and its global_key_transfer unwraps new keys with the master key (KEK).
            securitySetup = new GXDLMSSecuritySetup("0.0.43.0.0.255");
            securitySetup.setSecuritySuite(SecuritySuite.SUITE_0);
            securitySetup.setServerSystemTitle(options.systemTitle);
            securitySetup.setGak(ak);
            securitySetup.setGuek(ek);
            securitySetup.setKek(options.masterKey);
            ln.setSecuritySetupReference(securitySetup.getLogicalName());
            getItems().add(securitySetup);
        }
        buildObjects();
        initialize();
        capturePeriods.forEach(GXDLMSProfileGeneric::setCapturePeriod);
    }

    private GXDLMSRegister register(String ln, long value) {
        GXDLMSRegister r = new GXDLMSRegister(ln);
        r.setValue(value);
        r.setDataType(2, DataType.UINT32);
        r.setScaler(1);
        r.setUnit(Unit.ACTIVE_ENERGY);
        getItems().add(r);
        return r;
    }

    private GXDLMSProfileGeneric profile(String ln, long period, List<Object[]> rows, GXDLMSObject... columns) {
        GXDLMSProfileGeneric pg = new GXDLMSProfileGeneric(ln);
        // The period is set after initialize(): with a period, initialize() starts the library's capture
        // thread, which would append live rows to (and push rows out of) the deterministic buffer.
        capturePeriods.put(pg, period);
        pg.addCaptureObject(clock, 2, 0);
        for (GXDLMSObject c : columns) {
            pg.addCaptureObject(c, 2, 0);
        }
        pg.addBuffer(rows);
        pg.setProfileEntries(rows.size());
        pg.setEntriesInUse(rows.size());
        pg.setSortObject(clock);
        getItems().add(pg);
        return pg;
    }

    private void buildObjects() {
        clock = new GXDLMSClock("0.0.1.0.0.255");
        clock.setTimeZone(0);
        refresh();
        getItems().add(clock);

        GXDLMSRegister importTotal = register("1.0.1.8.0.255", 123456);
        GXDLMSRegister exportTotal = register("1.0.2.8.0.255", 23456);
        GXDLMSRegister import1 = register("1.0.1.8.1.255", 100000);
        GXDLMSRegister import2 = register("1.0.1.8.2.255", 23456);
        GXDLMSRegister export1 = register("1.0.2.8.1.255", 20000);
        GXDLMSRegister export2 = register("1.0.2.8.2.255", 3456);

        GXDLMSExtendedRegister gas = new GXDLMSExtendedRegister("0.1.24.2.1.255");
        gas.setValue(45678L);
        gas.setDataType(2, DataType.UINT32);
        gas.setScaler(0.001);
        gas.setUnit(Unit.VOLUME_CUBIC_METER);
        gas.setStatus(0);
        gas.setCaptureTime(time(INTERVAL_START));
        getItems().add(gas);

        alarm = new GXDLMSData("0.0.97.98.0.255");
        alarm.setDataType(2, DataType.UINT32);
        getItems().add(alarm);

        String[][] firmware = { { "1.0.0.2.0.255", "GX-CORE-1.2.3" }, { "1.1.0.2.0.255", "GX-MOD-2.0.1" },
                { "1.2.0.2.0.255", "GX-COM-3.4.5" } };
        for (String[] f : firmware) {
            GXDLMSData d = new GXDLMSData(f[0]);
            d.setValue(f[1].getBytes());
            d.setDataType(2, DataType.OCTET_STRING);
            getItems().add(d);
        }

        List<Object[]> rows = new ArrayList<>();
        for (int i = 0; i < INTERVAL_ROWS; ++i) {
            rows.add(new Object[] { time(INTERVAL_START.plusMinutes(15L * i)), interval(i, 0), interval(i, 1) });
        }
        profile("1.0.99.1.0.255", 900, rows, importTotal, exportTotal);
        rows = new ArrayList<>();
        for (int i = 0; i < DAILY_ROWS; ++i) {
            rows.add(new Object[] { time(DAILY_START.plusDays(i)), interval(i * 96, 0), interval(i * 96, 1),
                    interval(i * 96, 2), interval(i * 96, 3) });
        }
        profile("1.0.99.2.0.255", 86400, rows, import1, import2, export1, export2);
        rows = new ArrayList<>();
        for (int i = 0; i < MONTHLY_ROWS; ++i) {
            rows.add(new Object[] { time(MONTHLY_START.plusMonths(i)), interval(i * 2976, 0), interval(i * 2976, 1),
                    interval(i * 2976, 2), interval(i * 2976, 3) });
        }
        profile("0.0.98.1.0.255", 0, rows, import1, import2, export1, export2);

        String[][] logs = { { "0.0.99.98.0.255", "0.0.96.11.0.255", "1" }, { "0.0.99.98.1.255", "0.0.96.11.1.255", "40" },
                { "0.0.99.97.0.255", "0.0.96.11.2.255", "80" } };
        for (String[] l : logs) {
            int base = Integer.parseInt(l[2]);
            GXDLMSData code = new GXDLMSData(l[1]);
            code.setValue(base);
            code.setDataType(2, DataType.UINT8);
            getItems().add(code);
            rows = new ArrayList<>();
            for (int i = 0; i < EVENT_ROWS; ++i) {
                rows.add(new Object[] { time(EVENT_START.plusHours(6L * i)), base + (i % 10) });
            }
            profile(l[0], 0, rows, code);
        }
    }

    /** The clock and the alarm register show the state shared by all associations. */
    private void refresh() {
        synchronized (STATE_LOCK) {
            clock.setTime(new GXDateTime(new Date(System.currentTimeMillis() + clockOffsetMs)));
            if (alarm != null) {
                alarm.setValue(alarmRegister);
            }
        }
    }

    @Override
    protected boolean isTarget(int serverAddress, int clientAddress) {
        return true;
    }

    @Override
    protected SourceDiagnostic onValidateAuthentication(Authentication authentication, byte[] password) {
        if (authentication != options.authentication) {
            return SourceDiagnostic.NOT_RECOGNISED;
        }
        if (authentication == Authentication.LOW && !Arrays.equals(password, options.password)) {
            return SourceDiagnostic.AUTHENTICATION_FAILURE;
        }
        return SourceDiagnostic.NONE; // HLS is checked in pass 3 by the association object
    }

    @Override
    public void onPreGet(ValueEventArgs[] args) {
        refresh();
    }

    @Override
    public void onPostGet(ValueEventArgs[] args) {
    }

    @Override
    protected GXDLMSObject onFindObject(ObjectType objectType, int sn, String ln) {
        return null;
    }

    @Override
    public void onPreRead(ValueEventArgs[] args) {
        refresh();
    }

    @Override
    public void onPostRead(ValueEventArgs[] args) {
    }

    @Override
    protected void onPreWrite(ValueEventArgs[] args) {
    }

    @Override
    protected void onPostWrite(ValueEventArgs[] args) {
        synchronized (STATE_LOCK) {
            for (ValueEventArgs e : args) {
                if (e.getTarget() == clock && e.getIndex() == 2) {
                    clockOffsetMs = clock.getTime().getMeterCalendar().getTimeInMillis() - System.currentTimeMillis();
                } else if (e.getTarget() == alarm && e.getIndex() == 2) {
                    alarmRegister = ((Number) alarm.getValue()).longValue();
                }
            }
        }
    }

    @Override
    protected void onConnected(GXDLMSConnectionEventArgs connectionInfo) {
    }

    @Override
    protected void onInvalidConnection(GXDLMSConnectionEventArgs connectionInfo) {
    }

    @Override
    protected void onDisconnected(GXDLMSConnectionEventArgs connectionInfo) {
    }

    @Override
    protected AccessMode onGetAttributeAccess(ValueEventArgs arg) {
        return arg.getIndex() == 1 ? AccessMode.READ : AccessMode.READ_WRITE;
    }

    @Override
    protected MethodAccessMode onGetMethodAccess(ValueEventArgs arg) {
        return MethodAccessMode.ACCESS;
    }

    @Override
    protected void onPreAction(ValueEventArgs[] args) {
        refresh();
    }

    @Override
    protected void onPostAction(ValueEventArgs[] args) {
        synchronized (STATE_LOCK) {
            for (ValueEventArgs e : args) {
                if (e.getTarget() == clock) { // adjust_to_quarter and friends move the shared clock
                    clockOffsetMs = clock.getTime().getMeterCalendar().getTimeInMillis() - System.currentTimeMillis();
                } else if (e.getTarget() == securitySetup && e.getIndex() == 2 && e.getError() == ErrorCode.OK) {
                    // global_key_transfer: the library applies the keys to this association after its reply;
                    // later associations (new server objects) start from these.
                    authenticationKey = securitySetup.getGak();
                    blockCipherKey = securitySetup.getGuek();
                    keysJustReplaced = true;
                    System.out.println("KEYS_REPLACED");
                    System.out.flush();
                } else if (e.getTarget() instanceof GXDLMSRegister && e.getIndex() == 1) {
                    ((GXDLMSRegister) e.getTarget()).setValue(0L); // reset: the library clears the value; this meter's default is 0
                }
            }
        }
    }

    // ------------------------------------------------------------------------------------------------------
    // TCP: one server object per connection; bytes in, handleRequest, bytes out.
    // ------------------------------------------------------------------------------------------------------
    static final AtomicBoolean DROPPED = new AtomicBoolean(false);

    /** An unciphered GET-Response-With-Datablock (C4 02) that is not the last block, in a reply frame. */
    static boolean isIntermediateBlock(byte[] reply) {
        for (int i = 0; i + 8 < reply.length; ++i) {
            if ((reply[i] & 0xFF) == 0xC4 && reply[i + 1] == 0x02 && reply[i + 3] == 0x00) {
                return i == 8 || (i >= 3 && (reply[i - 3] & 0xFF) == 0xE6);
            }
        }
        return false;
    }

    static void serve(Options o, Socket socket) {
        GuruxMeter meter = create(o);
        boolean blockSent = false;
        try (socket; InputStream in = socket.getInputStream(); OutputStream out = socket.getOutputStream()) {
            byte[] buf = new byte[4096];
            int n;
            while ((n = in.read(buf)) > 0) {
                if (o.dropDuringBlockTransfer && blockSent && DROPPED.compareAndSet(false, true)) {
                    System.out.println("FAULT dropping the connection during block transfer");
                    return;
                }
                GXServerReply sr = new GXServerReply(Arrays.copyOf(buf, n));
                do {
                    meter.handleRequest(sr);
                    if (o.dropAfterKeyTransfer && meter.keysJustReplaced && DROPPED.compareAndSet(false, true)) {
                        System.out.println("FAULT dropping the connection after a key transfer, before its reply");
                        return;
                    }
                    byte[] reply = sr.getReply();
                    if (reply != null) {
                        out.write(reply);
                        out.flush();
                        blockSent = blockSent || isIntermediateBlock(reply);
                        sr.setData(null);
                    }
                } while (sr.isStreaming());
            }
        } catch (Exception e) {
            System.err.println("connection: " + e);
        } finally {
            try {
                meter.close();
            } catch (Exception e) {
                // closing an already closed server
            }
        }
    }

    static Options parse(String[] args) {
        Options o = new Options();
        Map<String, String> a = new HashMap<>();
        for (int i = 0; i < args.length; ++i) {
            if (args[i].equals("--drop-during-block-transfer")) {
                o.dropDuringBlockTransfer = true;
            } else if (args[i].equals("--drop-after-key-transfer")) {
                o.dropAfterKeyTransfer = true;
            } else if (args[i].startsWith("--") && i + 1 < args.length) {
                a.put(args[i].substring(2), args[++i]);
            } else {
                throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        o.host = a.getOrDefault("host", o.host);
        o.port = Integer.parseInt(a.getOrDefault("port", "4061"));
        o.transport = "hdlc".equals(a.get("transport")) ? InterfaceType.HDLC : InterfaceType.WRAPPER;
        String auth = a.getOrDefault("authentication", "none");
        o.authentication = auth.equals("low") ? Authentication.LOW
                : auth.equals("high-gmac") ? Authentication.HIGH_GMAC : Authentication.NONE;
        if (a.containsKey("password")) {
            o.password = a.get("password").getBytes();
        }
        if (a.containsKey("authentication-key")) {
            o.authenticationKey = HexFormat.of().parseHex(a.get("authentication-key"));
        }
        if (a.containsKey("block-cipher-key")) {
            o.blockCipherKey = HexFormat.of().parseHex(a.get("block-cipher-key"));
        }
        if (a.containsKey("system-title")) {
            o.systemTitle = HexFormat.of().parseHex(a.get("system-title"));
        }
        if (a.containsKey("master-key")) {
            o.masterKey = HexFormat.of().parseHex(a.get("master-key"));
        }
        return o;
    }

    public static void main(String[] args) throws Exception {
        Options o = parse(args);
        authenticationKey = o.authenticationKey;
        blockCipherKey = o.blockCipherKey;
        Package p = GXDLMSSecureServer2.class.getPackage();
        String version = p.getImplementationVersion();
        System.out.println("GURUX_DLMS_VERSION " + (version != null ? version : System.getProperty("gurux.version", "unknown")));
        try (ServerSocket server = new ServerSocket(o.port, 50, InetAddress.getByName(o.host))) {
            System.out.println("LISTENING " + server.getLocalPort());
            System.out.flush();
            while (true) {
                Socket s = server.accept();
                s.setTcpNoDelay(true);
                Thread t = new Thread(() -> serve(o, s));
                t.setDaemon(true);
                t.start();
            }
        }
    }
}
