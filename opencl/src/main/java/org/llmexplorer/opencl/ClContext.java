package org.llmexplorer.opencl;

import static org.lwjgl.opencl.CL10.*;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.lwjgl.PointerBuffer;
import org.lwjgl.system.MemoryStack;
import org.lwjgl.system.MemoryUtil;

/**
 * One device's context and in-order command queue, with what the backend does with them:
 * buffers (counted, so that a full device says so before the driver fails), uploads, reads,
 * copies and kernel launches. Not thread-safe: the backend serialises its calls.
 */
final class ClContext implements AutoCloseable {
    final Device device;
    final long context;
    final long queue;
    private ByteBuffer staging = MemoryUtil.memAlloc(1 << 16);
    private long allocated;
    /** Every buffer not yet released: a closed context gives them all back (a buffer keeps its context alive). */
    private final java.util.Set<Buffer> live = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
    /** Across every context of the process: bytes in buffers not yet released, and contexts not yet closed. */
    static final java.util.concurrent.atomic.AtomicLong LIVE_BYTES = new java.util.concurrent.atomic.AtomicLong();
    static final java.util.concurrent.atomic.AtomicInteger LIVE_CONTEXTS = new java.util.concurrent.atomic.AtomicInteger();

    ClContext(Device device) {
        this.device = device;
        try (MemoryStack stack = MemoryStack.stackPush()) {
            var err = stack.mallocInt(1);
            PointerBuffer properties = stack.mallocPointer(3).put(CL_CONTEXT_PLATFORM).put(device.platformId()).put(0)
                    .flip();
            context = clCreateContext(properties, device.id(), null, 0, err);
            OpenClException.check(err.get(0), "creating a context on " + device.name());
            // profiling on: attention launches report their time, as the CPU path reports its own
            queue = clCreateCommandQueue(context, device.id(), CL_QUEUE_PROFILING_ENABLE, err);
            OpenClException.check(err.get(0), "creating a command queue on " + device.name());
        }
        LIVE_CONTEXTS.incrementAndGet();
    }

    /** Bytes held in buffers now. */
    long allocated() {
        return allocated;
    }

    Kernel kernel(long program, String name) {
        try (MemoryStack stack = MemoryStack.stackPush()) {
            var err = stack.mallocInt(1);
            long k = clCreateKernel(program, name, err);
            OpenClException.check(err.get(0), "creating kernel " + name);
            return new Kernel(this, name, k);
        }
    }

    /** A device buffer of this many bytes (at least 4: OpenCL refuses empty buffers). */
    synchronized Buffer allocate(long bytes, String what) {
        return create(Math.max(4, bytes), null, what);
    }

    /** A device buffer holding a copy of these bytes (position to limit). */
    synchronized Buffer upload(ByteBuffer bytes, String what) {
        return create(bytes.remaining(), bytes, what);
    }

    synchronized Buffer upload(float[] values, String what) {
        Buffer b = allocate((long) values.length * Float.BYTES, what);
        write(b, 0, values, 0, values.length);
        return b;
    }

    private Buffer create(long bytes, ByteBuffer data, String what) {
        if (bytes > device.maxAllocation()) {
            throw new OpenClException.OutOfDeviceMemory(what + " needs one buffer of " + mib(bytes) + " but "
                    + device.name() + " allows at most " + mib(device.maxAllocation()) + " in one buffer");
        }
        if (allocated + bytes > device.globalMemory()) {
            throw new OpenClException.OutOfDeviceMemory(what + " needs " + mib(bytes) + " more device memory, but "
                    + mib(allocated) + " of the " + mib(device.globalMemory()) + " of " + device.name()
                    + " are in use (a smaller model or context, or --backend simd, may fit)");
        }
        try (MemoryStack stack = MemoryStack.stackPush()) {
            var err = stack.mallocInt(1);
            long mem = data == null ? clCreateBuffer(context, CL_MEM_READ_WRITE, bytes, err)
                    : clCreateBuffer(context, CL_MEM_READ_WRITE | CL_MEM_COPY_HOST_PTR, data, err);
            OpenClException.check(err.get(0), "allocating " + mib(bytes) + " for " + what);
            allocated += bytes;
            LIVE_BYTES.addAndGet(bytes);
            Buffer b = new Buffer(mem, bytes);
            synchronized (live) {
                live.add(b);
            }
            return b;
        }
    }

    synchronized void release(Buffer b) {
        if (b != null && b.mem != 0) {
            clReleaseMemObject(b.mem);
            allocated -= b.bytes;
            LIVE_BYTES.addAndGet(-b.bytes);
            synchronized (live) {
                live.remove(b);
            }
            b.mem = 0;
        }
    }

    synchronized void write(Buffer b, long byteOffset, float[] v, int off, int n) {
        ByteBuffer s = staging((long) n * Float.BYTES);
        s.asFloatBuffer().put(v, off, n);
        OpenClException.check(clEnqueueWriteBuffer(queue, b.mem, true, byteOffset, s, null, null), "writing a buffer");
    }

    synchronized void write(Buffer b, long byteOffset, int[] v, int off, int n) {
        ByteBuffer s = staging((long) n * Integer.BYTES);
        s.asIntBuffer().put(v, off, n);
        OpenClException.check(clEnqueueWriteBuffer(queue, b.mem, true, byteOffset, s, null, null), "writing a buffer");
    }

    synchronized void write(Buffer b, long byteOffset, short[] v, int off, int n) {
        ByteBuffer s = staging((long) n * Short.BYTES);
        s.asShortBuffer().put(v, off, n);
        OpenClException.check(clEnqueueWriteBuffer(queue, b.mem, true, byteOffset, s, null, null), "writing a buffer");
    }

    synchronized void read(Buffer b, long byteOffset, short[] dst, int off, int n) {
        ByteBuffer s = staging((long) n * Short.BYTES);
        OpenClException.check(clEnqueueReadBuffer(queue, b.mem, true, byteOffset, s, null, null), "reading a buffer");
        s.asShortBuffer().get(dst, off, n);
    }

    synchronized void read(Buffer b, long byteOffset, float[] dst, int off, int n) {
        ByteBuffer s = staging((long) n * Float.BYTES);
        OpenClException.check(clEnqueueReadBuffer(queue, b.mem, true, byteOffset, s, null, null), "reading a buffer");
        s.asFloatBuffer().get(dst, off, n);
    }

    synchronized void copy(Buffer src, long srcOffset, Buffer dst, long dstOffset, long bytes) {
        if (bytes > 0) {
            OpenClException.check(clEnqueueCopyBuffer(queue, src.mem, dst.mem, srcOffset, dstOffset, bytes, null, null),
                    "copying a buffer");
        }
    }

    /** The time a finished launch ran on the device; releases its event. */
    synchronized long nanos(long event) {
        try (MemoryStack stack = MemoryStack.stackPush()) {
            var start = stack.mallocLong(1);
            var end = stack.mallocLong(1);
            int a = clGetEventProfilingInfo(event, CL_PROFILING_COMMAND_START, start, null);
            int b = clGetEventProfilingInfo(event, CL_PROFILING_COMMAND_END, end, null);
            clReleaseEvent(event);
            return a == CL_SUCCESS && b == CL_SUCCESS ? Math.max(0, end.get(0) - start.get(0)) : 0;
        }
    }

    void finish() {
        OpenClException.check(clFinish(queue), "waiting for the device");
    }

    /** The staging buffer, with room for this many bytes, its limit set to them. */
    private ByteBuffer staging(long bytes) {
        if (staging.capacity() < bytes) {
            MemoryUtil.memFree(staging);
            staging = MemoryUtil.memAlloc((int) Math.max(bytes, 2L * staging.capacity()));
        }
        staging.clear().limit((int) bytes);
        return staging.order(ByteOrder.nativeOrder());
    }

    static String mib(long bytes) {
        return (bytes + (1 << 19) >> 20) + " MiB";
    }

    @Override
    public void close() {
        java.util.List<Buffer> left;
        synchronized (live) {
            left = new java.util.ArrayList<>(live);
        }
        for (Buffer b : left) { // conversations still referenced somewhere: their device copies go now
            release(b);
        }
        clReleaseCommandQueue(queue);
        clReleaseContext(context);
        MemoryUtil.memFree(staging);
        LIVE_CONTEXTS.decrementAndGet();
    }

    /** A device buffer; {@code mem} is 0 once released. */
    static final class Buffer implements org.llmexplorer.engine.model.Buffer {
        long mem;
        final long bytes;

        Buffer(long mem, long bytes) {
            this.mem = mem;
            this.bytes = bytes;
        }
    }

    /**
     * A kernel whose arguments are given in order: {@code k.args().mem(a).i32(n).f32(x).run(global, local)}.
     */
    static final class Kernel {
        private final ClContext cl;
        final String name;
        final long handle;
        private int next;

        Kernel(ClContext cl, String name, long handle) {
            this.cl = cl;
            this.name = name;
            this.handle = handle;
        }

        Kernel args() {
            next = 0;
            return this;
        }

        Kernel mem(Buffer b) {
            return check(clSetKernelArg1p(handle, next, b.mem));
        }

        Kernel i32(int v) {
            return check(clSetKernelArg1i(handle, next, v));
        }

        Kernel f32(float v) {
            return check(clSetKernelArg1f(handle, next, v));
        }

        /** Local memory of this many bytes for the work-group. */
        Kernel local(long bytes) {
            return check(clSetKernelArg(handle, next, bytes));
        }

        private Kernel check(int err) {
            OpenClException.check(err, "argument " + next + " of kernel " + name);
            next++;
            return this;
        }

        /** Runs global work-items in work-groups of local (global is rounded up to a multiple of local). */
        void run(long global, long local) {
            run2(global, 1, local, 1);
        }

        void run2(long global0, long global1, long local0, long local1) {
            enqueue(global0, global1, local0, local1, null);
        }

        /** As {@link #run}, returning the launch's event for {@link ClContext#nanos}. */
        long runTimed(long global, long local) {
            try (MemoryStack stack = MemoryStack.stackPush()) {
                PointerBuffer event = stack.mallocPointer(1);
                enqueue(global, 1, local, 1, event);
                return event.get(0);
            }
        }

        private void enqueue(long global0, long global1, long local0, long local1, PointerBuffer event) {
            try (MemoryStack stack = MemoryStack.stackPush()) {
                long g0 = (global0 + local0 - 1) / local0 * local0;
                long g1 = (global1 + local1 - 1) / local1 * local1;
                OpenClException.check(clEnqueueNDRangeKernel(cl.queue, handle, 2, null, stack.pointers(g0, g1),
                        stack.pointers(local0, local1), null, event), "running kernel " + name);
            }
        }
    }
}
