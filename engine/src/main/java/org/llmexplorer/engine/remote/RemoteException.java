package org.llmexplorer.engine.remote;

/** A remote engine could not be reached or refused a request; the message says which, in words. */
public final class RemoteException extends Exception {
    public RemoteException(String message) {
        super(message);
    }
}
