-- Events and notifications: device events (OSLP EventNotification), organisations' notification webhooks,
-- subscriptions to device events, and each notification with its delivery outcome. Written in the form
-- `prisma migrate dev` produces.

-- CreateEnum
CREATE TYPE "NotificationType" AS ENUM ('REQUEST_FINISHED', 'DEVICE_EVENT');

-- CreateEnum
CREATE TYPE "NotificationState" AS ENUM ('PENDING', 'DELIVERED', 'FAILED');

-- CreateTable
CREATE TABLE "DeviceEvent" (
    "id" BIGSERIAL NOT NULL,
    "deviceIdentification" TEXT NOT NULL,
    "eventType" TEXT NOT NULL,
    "index" INTEGER,
    "description" TEXT,
    "deviceTimestamp" TIMESTAMP(3),
    "receivedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "DeviceEvent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "NotificationWebhook" (
    "organisationId" TEXT NOT NULL,
    "url" TEXT NOT NULL,
    "secret" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "NotificationWebhook_pkey" PRIMARY KEY ("organisationId")
);

-- CreateTable
CREATE TABLE "EventSubscription" (
    "id" TEXT NOT NULL,
    "organisationId" TEXT NOT NULL,
    "deviceId" TEXT NOT NULL,
    "eventTypes" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "EventSubscription_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Notification" (
    "id" TEXT NOT NULL,
    "correlationUid" TEXT,
    "organisationId" TEXT NOT NULL,
    "type" "NotificationType" NOT NULL,
    "deviceEventId" BIGINT,
    "payload" JSONB NOT NULL,
    "state" "NotificationState" NOT NULL DEFAULT 'PENDING',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "lastError" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "deliveredAt" TIMESTAMP(3),

    CONSTRAINT "Notification_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "DeviceEvent_deviceIdentification_receivedAt_idx" ON "DeviceEvent"("deviceIdentification", "receivedAt");

-- CreateIndex
CREATE INDEX "DeviceEvent_receivedAt_idx" ON "DeviceEvent"("receivedAt");

-- CreateIndex
CREATE INDEX "EventSubscription_deviceId_idx" ON "EventSubscription"("deviceId");

-- CreateIndex
CREATE UNIQUE INDEX "EventSubscription_organisationId_deviceId_key" ON "EventSubscription"("organisationId", "deviceId");

-- CreateIndex
CREATE INDEX "Notification_correlationUid_idx" ON "Notification"("correlationUid");

-- CreateIndex
CREATE INDEX "Notification_organisationId_createdAt_idx" ON "Notification"("organisationId", "createdAt");

-- AddForeignKey
ALTER TABLE "NotificationWebhook" ADD CONSTRAINT "NotificationWebhook_organisationId_fkey" FOREIGN KEY ("organisationId") REFERENCES "Organisation"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "EventSubscription" ADD CONSTRAINT "EventSubscription_organisationId_fkey" FOREIGN KEY ("organisationId") REFERENCES "Organisation"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "EventSubscription" ADD CONSTRAINT "EventSubscription_deviceId_fkey" FOREIGN KEY ("deviceId") REFERENCES "Device"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Notification" ADD CONSTRAINT "Notification_organisationId_fkey" FOREIGN KEY ("organisationId") REFERENCES "Organisation"("id") ON DELETE CASCADE ON UPDATE CASCADE;
